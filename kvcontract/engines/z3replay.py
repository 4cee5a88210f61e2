"""Concrete safety nets around Z3 conclusions: explicit examples first, replay after.

A Z3 proof about a TRACED implementation proves the code path the tracer
followed; code that inspects its arguments (``type(x)``, ``isinstance(x,
int)``) may take another one concretely.  So before a traced PROVED or
VERIFIED_BOUNDED is reported, :func:`replay_points` runs the real
implementation at a handful of inputs -- a point near the low and the high
corner of the (bounded) domain, one Z3 model of each traced path condition,
and a few seeded random points -- and :func:`refute_by_replay` turns any
disagreement into FALSIFIED (or an implementation error into ERROR).

A proof over z3 Reals treats float arithmetic as exact: :func:`uses_reals`
says whether a problem has any Real-sorted term (a float variable, a float
literal, ``/``), in which case the engines never report PROVED from the Real
model alone.

:func:`run_examples` runs the check's explicit ``examples:`` concretely with
the falsification engine's own semantics, before any solver call.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import Any, Callable, Mapping

import z3

from ..expr.concrete import EvalError, ImplementationError, evaluate
from ..expr.scope import Scope
from ..plan.model import Check
from ..verdicts.model import CheckResult, Verdict
from .counterexample import VIOLATED, NotBoolean, build_counterexample, evaluate_case
from .options import RunOptions
from .z3problem import Problem, model_inputs
from .z3util import decide, fresh_optimize, fresh_solver

__all__ = ["run_examples", "uses_reals", "attack_floats", "replay_points", "refute_by_replay", "REPLAY_PATHS", "REPLAY_RANDOM"]

REPLAY_PATHS = 6  # traced path conditions replayed (one Z3 model each)
REPLAY_RANDOM = 3  # seeded random points per problem


def run_examples(check: Check, scope: Scope, *, seed: int) -> CheckResult | None:
    """The first failing explicit example's result (FALSIFIED / ERROR), or None when all pass."""
    if not check.examples or check.expr is None:
        return None
    from .falsify import _Attack  # same semantics as the falsification engine's examples
    from .strategies import EmptyDomain, input_plan, roots_of

    attack = _Attack(check, scope, RunOptions(seed=seed))
    try:
        plan = input_plan(check.variables, roots_of([check.expr, *check.assume], scope))
    except EmptyDomain as exc:
        return attack.result(Verdict.ERROR, f"cannot type the examples' inputs: {exc}")
    for example in check.examples:
        failed = attack.run_example(example, plan)
        if failed is not None:
            failed.engine = "z3"
            failed.mode = "explicit example (run before the solver)"
            return failed
    return None


_REAL_ARITHMETIC = (z3.Z3_OP_ADD, z3.Z3_OP_SUB, z3.Z3_OP_MUL, z3.Z3_OP_DIV, z3.Z3_OP_POWER)


def uses_reals(problem: Problem) -> bool:
    """Does the problem do Real arithmetic (+ - * / ** on floats, ``/`` on ints) or use a
    literal no double represents exactly?  Comparisons, equality and array reads/writes of
    float values are exact, so they alone do not make a Real proof unsound for floats."""
    roots = [*problem.constraints, *(t for _, t in problem.premises), problem.conclusion,
             *problem.side_conditions()]
    seen: set[int] = set()
    stack = [t for t in roots if isinstance(t, z3.ExprRef)]
    while stack:
        term = stack.pop()
        key = term.get_id()
        if key in seen:
            continue
        seen.add(key)
        if z3.is_real(term):
            if z3.is_app(term) and term.decl().kind() in _REAL_ARITHMETIC:
                return True
            if z3.is_rational_value(term) and Fraction(float(term.as_fraction())) != term.as_fraction():
                return True
        stack.extend(term.children())
    return False


def _int_vars(problem: Problem) -> list[tuple[str, Any]]:
    return [(name, value) for name, value in problem.values.items()
            if isinstance(value, z3.ArithRef) and value.is_int() and z3.is_const(value)]


def _limit(problem: Problem, scope: Scope, name: str, which: str, bound: int | None) -> int | None:
    domain = problem.domains.get(name)
    node = getattr(domain, which, None) if domain is not None else None
    value = None
    if node is not None:
        try:
            value = evaluate(node, scope)
        except Exception:  # noqa: BLE001 - a limit that depends on another variable: no target
            value = None
    if not isinstance(value, int) or isinstance(value, bool):
        value = None
    if bound is not None:
        edge = -bound if which == "min" else bound
        value = edge if value is None else (max(value, edge) if which == "min" else min(value, edge))
    return value


def replay_points(problem: Problem, scope: Scope, *, fixed: Mapping[str, Any] | None, bound: int | None,
                  seed: int, budget: Callable[[], dict]) -> list[dict[str, Any]]:
    """Concrete inputs satisfying the premises: corners, one per traced path, seeded random."""
    base = [*problem.constraints, *(t for _, t in problem.premises)]
    ints = _int_vars(problem)
    lows = {n: _limit(problem, scope, n, "min", bound) for n, _ in ints}
    highs = {n: _limit(problem, scope, n, "max", bound) for n, _ in ints}
    rng = random.Random(seed)
    targets: list[dict[str, int]] = [
        {n: v for n, v in lows.items() if v is not None},
        {n: v for n, v in highs.items() if v is not None},
    ]
    for _ in range(REPLAY_RANDOM):
        point = {}
        for name, _ in ints:
            lo = lows[name] if lows[name] is not None else 0
            hi = highs[name] if highs[name] is not None else lo + 1_000_000
            point[name] = rng.randint(lo, hi) if hi >= lo else lo
        targets.append(point)
    models: list[z3.ModelRef] = []
    variables = dict(ints)
    for target in targets:
        if not target:
            continue
        opt = fresh_optimize(**budget())
        opt.add(*base)
        for name, value in target.items():
            opt.add_soft(variables[name] == value)
        if decide(opt)[0] == "sat":
            models.append(opt.model())
    for path in problem.ctx.trace_paths[:REPLAY_PATHS]:
        solver = fresh_solver(**budget())
        solver.add(*base, path)
        if decide(solver)[0] == "sat":
            models.append(solver.model())
    points, seen = [], set()
    for model in models:
        inputs = model_inputs(model, problem, scope, fixed)
        key = repr(sorted(inputs.items(), key=lambda kv: kv[0]))
        if key not in seen:
            seen.add(key)
            points.append(inputs)
    return points


def refute_by_replay(check: Check, scope: Scope, points: list[dict[str, Any]], *,
                     reproduce: str) -> tuple[Verdict, str, Any, str | None] | None:
    """(verdict, detail, counterexample, traceback) for the first point that fails concretely, else None."""
    for inputs in points:
        try:
            outcome = evaluate_case(check, scope, inputs)
        except (EvalError, ImplementationError, NotBoolean) as exc:
            detail = (f"the traced proof does not hold concretely: at this input the implementation raised "
                      f"({exc}) although the trace says it does not")
            cex = build_counterexample(check, scope, dict(inputs), message=detail, reproduce=reproduce,
                                       expect_violation=False)
            return Verdict.ERROR, detail, cex, getattr(exc, "traceback_text", None)
        if outcome == VIOLATED:
            detail = ("concrete replay contradicts the Z3 conclusion: the implementation behaves differently "
                      "under tracing (or float rounding differs from exact reals) -- the property is false here")
            cex = build_counterexample(check, scope, dict(inputs), message=detail, reproduce=reproduce,
                                       expect_violation=False)
            cex.replayed = True
            return Verdict.FALSIFIED, detail, cex, None
    return None


def attack_floats(check: Check, scope: Scope, real_result: CheckResult, options: RunOptions | None) -> CheckResult:
    """A Real-model conclusion checked on concrete floats by Hypothesis: FALSIFIED, or NOT_FALSIFIED at best."""
    from .falsify import run_falsification

    attack = run_falsification(check, scope, options or RunOptions(seed=real_result.seed or 0))
    seconds = round((real_result.seconds or 0) + (attack.seconds or 0), 4)
    real_result.seconds = attack.seconds = seconds
    if attack.verdict in (Verdict.NOT_FALSIFIED, Verdict.VERIFIED_BOUNDED, Verdict.PROVED):
        real_result.verdict = Verdict.NOT_FALSIFIED
        real_result.examples = attack.examples
        real_result.min_examples = attack.min_examples
        real_result.engine = f"{real_result.engine}+hypothesis"
        real_result.mode = f"{real_result.mode}; {attack.mode}".strip("; ")
        real_result.detail = (f"proved over the reals (floats are not reals: never PROVED); {attack.examples} "
                              f"float examples, no counterexample ({real_result.detail})")
        return real_result
    attack.engine = f"{real_result.engine}+hypothesis"
    attack.detail = f"{attack.detail} (Z3 over the reals said: {real_result.verdict.value})"
    return attack
