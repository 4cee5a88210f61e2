"""Combine Hypothesis and Z3 verdicts of one conformance check (implementation == formula).

A counterexample from either engine wins; an error from either is an ERROR;
a Z3 proof, or a bounded verification plus a clean Hypothesis run that is
evidence on its own, is reported with the stronger verdict and both noted; when Z3 cannot trace the
implementation, the Hypothesis result stands, with Z3's reason in the detail.
"""
from __future__ import annotations

import inspect
from typing import Any

from ..expr.scope import Scope
from ..plan.model import Check
from ..verdicts.model import CheckResult, Verdict
from .options import RunOptions

__all__ = ["combine_with_z3", "combine", "run_z3"]

_STRENGTH = {Verdict.PROVED: 3, Verdict.VERIFIED_BOUNDED: 2, Verdict.NOT_FALSIFIED: 1}


def run_z3(check: Check, scope: Scope, options: RunOptions) -> CheckResult | str:
    """Z3's result, or a one-line reason it did not run."""
    try:
        from .bounded import run_conformance_z3  # type: ignore[attr-defined]
    except ImportError as exc:
        return f"Z3 conformance unavailable ({exc})"
    kwargs: dict[str, Any] = {"timeout_ms": options.z3_timeout_ms, "seed": options.seed}
    try:
        accepted = inspect.signature(run_conformance_z3).parameters
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values()):
            kwargs = {k: v for k, v in kwargs.items() if k in accepted}
    except (TypeError, ValueError):
        pass
    try:
        return run_conformance_z3(check, scope, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported as an ERROR by combine()
        return CheckResult(check.id, check.kind, check.contract_id, Verdict.ERROR, engine="z3",
                           detail=f"Z3 conformance failed: {type(exc).__name__}: {exc}")


def combine(hypothesis: CheckResult, z3: CheckResult | str) -> CheckResult:
    """One verdict from both engines (see the module docstring)."""
    if isinstance(z3, str):
        hypothesis.detail = f"{hypothesis.detail}; {z3}"
        return hypothesis
    for verdict in (Verdict.FALSIFIED, Verdict.ERROR):
        for result in (hypothesis, z3):
            if result.verdict is verdict:
                if result is z3:
                    result.detail = f"Z3: {z3.detail} (Hypothesis: {hypothesis.verdict.value}, {hypothesis.detail})"
                    result.seed = hypothesis.seed
                return result
    if z3.verdict is Verdict.VACUOUS:
        z3.detail = f"Z3: {z3.detail}"
        return z3
    # A bounded Z3 result does not make up for a Hypothesis run short of its minimum; a proof does.
    upgrade = z3.verdict is Verdict.PROVED or (z3.verdict is Verdict.VERIFIED_BOUNDED and hypothesis.is_evidence)
    if upgrade and _STRENGTH.get(z3.verdict, 0) > _STRENGTH.get(hypothesis.verdict, 0):
        hypothesis.verdict = z3.verdict
        hypothesis.engine = "hypothesis+z3"
        hypothesis.bound = z3.bound
        hypothesis.mode = f"{z3.mode}; {hypothesis.mode}".strip("; ")
        hypothesis.detail = f"Z3: {z3.verdict.value} ({z3.detail}); Hypothesis: {hypothesis.detail}"
        return hypothesis
    hypothesis.detail = f"{hypothesis.detail}; Z3: {z3.verdict.value} ({z3.detail})"
    return hypothesis


def combine_with_z3(result: CheckResult, check: Check, scope: Scope, options: RunOptions) -> CheckResult:
    return combine(result, run_z3(check, scope, options))
