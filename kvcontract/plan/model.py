"""A planned check: one unit of work for one engine, independent of YAML.

The planner (``plan/planner.py``) turns each falsification test, harness,
provable obligation and equation conformance into a :class:`Check`; the
engines execute checks and return ``verdicts.model.CheckResult``.  A Check is
picklable (no callables), so worker processes receive it as it is and rebuild
their own bindings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..contract.model import Domain, Example, SourceText
from ..diagnostics import SourcePos
from ..expr.nodes import Node

__all__ = ["Check", "CHECK_KINDS"]

CHECK_KINDS = (
    "falsification",  # Hypothesis against the implementation
    "state_machine",  # Hypothesis RuleBasedStateMachine against the implementation
    "harness",  # Z3/exhaustive within a bound, against the implementation
    "proof",  # Z3 without bounds, on the specification (equations only)
    "conformance",  # implementation == equation, Hypothesis + Z3 where traceable
    "law",  # an equation that is a boolean law
    "unchecked",  # an equation or obligation with nothing executable: UNCHECKED, never evidence
)


@dataclass(frozen=True)
class Check:
    id: str  # FALSIFY-KV-001 | KANI-KV-001 | PROVE:KV-MON-001 | CONFORM:total_kv_memory | LAW:bias_absence
    kind: str
    contract_id: str
    contract_path: str
    pos: SourcePos
    title: str = ""
    obligation_id: str | None = None
    engine: str = "hypothesis"  # hypothesis | z3
    expr: Node | None = None  # the boolean property; None only for state machines
    expr_text: str = ""  # its source text, for explanations
    source: SourceText | None = None
    variables: Mapping[str, Domain] = field(default_factory=dict)  # drawable inputs
    assume: tuple[Node, ...] = ()
    examples: tuple[Example, ...] = ()
    # Hypothesis settings
    max_examples: int | None = None
    min_examples: int | None = None
    state_machine: str | None = None
    # Z3 settings
    bound: int | None = None
    strategy: str | None = None
    width: int | None = None
    signed: bool = False
    quantifier: str = "forall"
    minimize: Node | None = None
    # Conformance: the symbol under test and the equation that specifies it.
    symbol: str | None = None
    equation: str | None = None
    tolerance: float = 0.0
    rtol: float = 0.0
    # Names this check calls that the implementation must provide.
    needs_symbols: tuple[str, ...] = ()
