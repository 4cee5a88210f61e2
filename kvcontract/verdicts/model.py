"""Verdicts, per-check results and the gate decision.

A check's verdict is evidence only when it is PROVED, VERIFIED_BOUNDED or
NOT_FALSIFIED; everything else (including a check that never ran) fails the
gate.  These types are what the engines return and what the Result JSON
(``report/result.py``) serialises.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "Verdict",
    "EVIDENCE",
    "Counterexample",
    "CheckResult",
    "GateResult",
    "ContractRun",
    "RunResult",
]


class Verdict(str, Enum):
    PROVED = "PROVED"  # Z3, for every value of the declared domain (no bound)
    VERIFIED_BOUNDED = "VERIFIED_BOUNDED"  # Z3 or exhaustive, within a stated bound
    NOT_FALSIFIED = "NOT_FALSIFIED"  # N Hypothesis examples found no counterexample
    FALSIFIED = "FALSIFIED"  # a counterexample, replayed concretely
    INCONCLUSIVE = "INCONCLUSIVE"  # solver unknown / timeout
    VACUOUS = "VACUOUS"  # premises unsatisfiable, or no example met them
    ERROR = "ERROR"  # the implementation or the tool failed
    UNCHECKED = "UNCHECKED"  # nothing executable

    def __str__(self) -> str:
        return self.value


EVIDENCE = frozenset({Verdict.PROVED, Verdict.VERIFIED_BOUNDED, Verdict.NOT_FALSIFIED})


@dataclass
class Counterexample:
    """Everything a reviewer needs to see and reproduce one failure."""

    inputs: dict[str, Any]  # JSON-able values (arrays as nested lists)
    message: str = ""
    # (sub-expression text, value repr) for every sub-expression of the check.
    explanation: list[tuple[str, str]] = field(default_factory=list)
    actual: str | None = None  # the implementation's output (repr)
    expected: str | None = None  # what the specification says (repr)
    yaml_example: str = ""  # an ``examples:`` entry ready to paste
    reproduce: str = ""  # one command that reproduces exactly this failure
    replayed: bool = False  # confirmed by the concrete interpreter + implementation

    def to_json(self) -> dict:
        data = asdict(self)
        data["explanation"] = [list(pair) for pair in self.explanation]
        return data


@dataclass
class CheckResult:
    """The outcome of one planned check."""

    check_id: str  # e.g. FALSIFY-KV-001, KANI-KV-001, PROVE:KV-MON-001, CONFORM:total_kv_memory
    kind: str  # falsification | harness | proof | conformance | examples | state_machine
    contract: str
    verdict: Verdict
    obligation: str | None = None
    engine: str = ""  # hypothesis | z3 | exhaustive
    mode: str = ""  # e.g. "unbounded", "symbolic-trace bound=4", "exhaustive 256 cases"
    examples: int = 0  # Hypothesis examples executed (premise held)
    cases: int = 0  # exhaustive cases or examples including discarded
    seconds: float = 0.0
    detail: str = ""  # one line a reviewer reads in the table
    counterexample: Counterexample | None = None
    error: str | None = None  # traceback of the implementation (not kvcontract's)
    seed: int | None = None
    bound: int | None = None
    min_examples: int | None = None
    title: str = ""  # the obligation property / test rule, for humans

    @property
    def is_evidence(self) -> bool:
        if self.verdict not in EVIDENCE:
            return False
        if self.verdict is Verdict.NOT_FALSIFIED and self.min_examples:
            return self.examples >= self.min_examples
        return True

    def to_json(self) -> dict:
        data = asdict(self)
        data["verdict"] = self.verdict.value
        data["counterexample"] = self.counterexample.to_json() if self.counterexample else None
        data["evidence"] = self.is_evidence
        return data


@dataclass
class GateResult:
    contract: str
    gate_id: str
    name: str
    passed: bool
    checks: list[CheckResult]
    reasons: list[str] = field(default_factory=list)  # why it failed, one line each
    pass_criteria: str = ""

    @classmethod
    def decide(cls, contract: str, gate_id: str, name: str, checks: list[CheckResult],
               pass_criteria: str = "", *, required: Any = ()) -> "GateResult":
        """The gate passes only when every check of the contract is evidence.

        ``required``: (gate ``checks`` entry, ids of the planned checks that cover it) pairs; an
        entry none of whose checks ran to evidence fails the gate by name.
        """
        reasons = []
        if not checks:
            reasons.append("no executable check")
        for res in checks:
            if res.verdict not in EVIDENCE:
                reasons.append(f"{res.check_id}: {res.verdict.value}")
            elif not res.is_evidence:
                reasons.append(
                    f"{res.check_id}: ran {res.examples} examples, fewer than the minimum {res.min_examples}"
                )
        evidence = {res.check_id for res in checks if res.is_evidence}
        for entry, check_ids in required:
            if not any(cid in evidence for cid in check_ids):
                reasons.append(f"gate check {entry}: no planned check gave evidence for it"
                               if check_ids else f"gate check {entry}: no check was planned for it")
        return cls(contract, gate_id, name, not reasons, checks, reasons, pass_criteria)


@dataclass
class ContractRun:
    """All results for one contract in one run."""

    contract: str
    path: str
    gate: GateResult
    # The falsifiability audit (issue: bug zoo), filled by ``kvcontract audit`` / ``check --audit``.
    audit: dict | None = None

    @property
    def checks(self) -> list[CheckResult]:
        return self.gate.checks


@dataclass
class RunResult:
    """One run of ``kvcontract check``: the single source every report renders from.

    Serialised by ``report/result.py`` (schema ``report/result.schema.json``).
    Nothing time-of-day dependent lives here, so reports are reproducible for the
    same inputs and seed (timings aside).
    """

    tool: dict  # versions: kvcontract, python, hypothesis, z3, numpy, platform
    command: list[str]
    seed: int
    options: dict  # max_examples, z3_timeout, jobs, bindings, ...
    contracts: list[ContractRun]

    @property
    def passed(self) -> bool:
        return bool(self.contracts) and all(c.gate.passed for c in self.contracts)
