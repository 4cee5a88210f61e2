"""One case of a property, and the counterexample a reviewer reads when it fails.

:func:`evaluate_case` decides one input: the premises (the check's ``assume``
list, then each ``A =>`` of an implication chain) are evaluated first; if one
is false the case is *rejected* (it is not evidence either way), else the
conclusion must be a boolean and is *held* or *violated*.

:func:`build_counterexample` turns a failing input into the
:class:`~kvcontract.verdicts.model.Counterexample`: JSON-able inputs, the value
of every sub-expression, the implementation's output against the formula's
for conformance checks, a YAML ``examples:`` entry and a one-line reproduce
command, after replaying the case concretely.
"""
from __future__ import annotations

import shlex
from typing import Any, Mapping

import numpy as np
import yaml

from ..expr.concrete import EvalError, ImplementationError, evaluate, explain, short_repr
from ..expr.nodes import Implies, Node
from ..expr.parse import parse_expr
from ..expr.scope import Scope
from ..plan.model import Check
from ..verdicts.model import Counterexample
from .strategies import to_jsonable

__all__ = [
    "HELD",
    "REJECTED",
    "VIOLATED",
    "NotBoolean",
    "evaluate_case",
    "conformance_values",
    "build_counterexample",
    "reproduce_command",
    "yaml_example",
]

HELD, REJECTED, VIOLATED = "held", "rejected", "violated"


class NotBoolean(Exception):
    """A check or premise evaluated to something other than true/false."""


def _truth(value: Any, what: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise NotBoolean(f"{what} evaluated to {type(value).__name__} {short_repr(value)}, not true/false")


def evaluate_case(check: Check, scope: Scope, values: Mapping[str, Any]) -> str:
    """HELD, REJECTED (a premise is false) or VIOLATED; evaluation errors propagate."""
    case = scope.with_values(values)
    for premise in check.assume:
        if not _truth(evaluate(premise, case), "an assume premise"):
            return REJECTED
    expr: Node = check.expr  # type: ignore[assignment]
    while isinstance(expr, Implies):
        if not _truth(evaluate(expr.premise, case), "the premise of '=>'"):
            return REJECTED
        expr = expr.conclusion
    return HELD if _truth(evaluate(expr, case), "the check") else VIOLATED


def _call_text(name: str, params: tuple[str, ...]) -> str:
    return f"{name}({', '.join(params)})"


def conformance_values(check: Check, scope: Scope, values: Mapping[str, Any]) -> tuple[Any, Any]:
    """(implementation output, formula output) of a conformance check at ``values``; errors as text."""
    fn = scope.functions.get(check.symbol or "")
    params = fn.params if fn is not None else ()
    case = scope.with_values(values)
    out = []
    for name in (check.symbol, f"spec__{check.equation}"):
        try:
            out.append(evaluate(parse_expr(_call_text(name or "", params)), case))
        except (EvalError, ImplementationError) as exc:
            out.append(_Failure(str(exc)))
    return out[0], out[1]


class _Failure:
    def __init__(self, message: str):
        self.message = message

    def __repr__(self) -> str:
        return f"<error: {self.message}>"


def yaml_example(inputs: Mapping[str, Any], expect: Any = None, has_expect: bool = False) -> str:
    """``- {n_kv: 1, d_k: 2, dtype: f16}``: a flow-style entry to paste under ``examples:``."""
    data = dict(to_jsonable(dict(inputs)))
    if has_expect:
        data["expect"] = to_jsonable(expect)
    text = yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=10**6).strip()
    return f"- {text}"


def reproduce_command(check: Check, seed: int, extra: tuple[str, ...] = (), max_examples: int | None = None) -> str:
    parts = ["kvcontract", "check", check.contract_path, "--only", check.id, "--seed", str(seed)]
    if max_examples is not None:
        parts += ["--max-examples", str(max_examples)]
    parts += list(extra)
    return " ".join(shlex.quote(p) for p in parts)


def build_counterexample(check: Check, scope: Scope, values: Mapping[str, Any], *, message: str,
                         reproduce: str, expect_violation: bool = True) -> Counterexample:
    """The counterexample at ``values``; ``replayed`` says the concrete replay confirmed it."""
    case = scope.with_values(values)
    explanation = explain(check.expr, case, check.expr_text) if check.expr is not None else []
    actual = expected = None
    has_expect, expect = False, None
    if check.kind == "conformance":
        impl_value, spec_value = conformance_values(check, scope, values)
        actual, expected = short_repr(impl_value, 200), short_repr(spec_value, 200)
        if not isinstance(spec_value, _Failure):
            has_expect, expect = True, spec_value
    replayed = False
    if expect_violation and check.expr is not None:
        try:
            replayed = evaluate_case(check, scope, values) == VIOLATED
        except (EvalError, ImplementationError, NotBoolean):
            replayed = False
    return Counterexample(
        inputs=to_jsonable(dict(values)),
        message=message,
        explanation=[(text, value) for text, value in explanation],
        actual=actual,
        expected=expected,
        yaml_example=yaml_example(values, expect, has_expect),
        reproduce=reproduce,
        replayed=replayed,
    )
