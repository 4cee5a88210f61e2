"""Which checks run, and in what order: shared runs and longest-first scheduling.

Two checks that state the same property over the same inputs with the same
settings (an equation law and the falsification test that attacks the same
formula, say) would run the very same derandomized Hypothesis search twice:
:func:`shared_runs` runs it once and :func:`share_result` gives the other
check a copy under its own id, saying so in its detail.  Only checks routed
to Hypothesis against the implementation are shared; the key is everything
the run depends on (property, premises, examples, domains, example counts,
tolerances), so a difference in any of them keeps the checks apart.

:func:`longest_first` orders the remaining tasks by an estimated cost, so on
``-j N`` the biggest checks start first and no worker is left with a long
check at the end (LPT scheduling); results are still reported in plan order.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

from ..engines.options import RunOptions
from ..expr.nodes import free_names
from ..expr.scope import Scope
from ..plan.model import Check
from ..verdicts.model import CheckResult

__all__ = ["shared_runs", "share_result", "longest_first", "estimated_cost"]


def _run_key(contract_index: int, check: Check, scope: Scope) -> str | None:
    if check.kind not in ("falsification", "law") or check.engine != "hypothesis" or check.expr is None:
        return None
    from ..engines.strategies import EmptyDomain, input_plan, roots_of  # lazy: imports Hypothesis

    try:  # only the variables the run draws count: a test's unused 'given' names change nothing
        plan = input_plan(check.variables, roots_of([check.expr, *check.assume], scope))
    except EmptyDomain:
        return None
    domains = [(name, plan.domains[name]) for name in plan.order]
    return repr((contract_index, check.expr, check.assume, check.examples, domains, check.max_examples,
                 check.min_examples, check.tolerance, check.rtol, check.quantifier, check.needs_symbols))


def shared_runs(checks: Sequence[tuple[int, Check, Scope]]) -> list[int]:
    """For each (contract index, check, its scope): the index of the check whose run it shares (itself if none)."""
    first: dict[str, int] = {}
    owner = []
    for index, (contract_index, check, scope) in enumerate(checks):
        key = _run_key(contract_index, check, scope)
        owner.append(first.setdefault(key, index) if key is not None else index)
    return owner


def share_result(result: CheckResult, check: Check) -> CheckResult:
    """``result`` (of an identical run) as ``check``'s own, saying whose run it was."""
    shared = dataclasses.replace(result, check_id=check.id, kind=check.kind, title=check.title,
                                 obligation=check.obligation_id, seconds=0.0)
    shared.detail = f"{result.detail} (one run shared with {result.check_id}: the same property, inputs and seed)"
    if result.counterexample is not None:
        cex = dataclasses.replace(result.counterexample)
        cex.reproduce = cex.reproduce.replace(f"--only {result.check_id}", f"--only {check.id}")
        shared.counterexample = cex
    return shared


def estimated_cost(check: Check, options: RunOptions) -> float:
    """A rough relative cost: Hypothesis examples dominate; Z3 checks are short."""
    read = {name for node in (check.expr, *check.assume) if node is not None for name in free_names(node)}
    kinds = [check.variables[name].kind for name in read if name in check.variables]
    heavy = sum(kind in ("array", "list") for kind in kinds)
    z3_route = (check.kind in ("proof", "harness") or check.kind == "law") and check.engine == "z3"
    if z3_route and not (check.kind == "proof" and "array" in kinds):  # arrays have no Z3 form: Hypothesis
        return 0.5
    examples = options.max_examples_for(check) / 1000
    if check.kind == "conformance" and not heavy:  # scalar formulas: Z3 usually proves them, few examples
        return 0.4 * examples
    if check.kind == "state_machine":
        return 3.0 * examples
    return examples * (1.0 + 0.25 * min(heavy, 4))


def longest_first(checks: Sequence[Check], options: RunOptions) -> list[int]:
    """Indices of ``checks`` by decreasing estimated cost (plan order among equals)."""
    costs = [estimated_cost(c, options) for c in checks]
    return sorted(range(len(checks)), key=lambda i: -costs[i])
