"""Bounded checks of the implementation (Kani harnesses) and Z3's half of conformance.

``run_harness``: ints range over their domain ∩ [-bound, bound] and list
lengths are at most ``bound`` (``strategy: exhaustive`` skips straight to
enumeration).  Finite variables (enums, bools) are enumerated concretely, one
Z3 problem per assignment, and the implementation is TRACED symbolically
(``expr.symbolic_trace``, every branch explored; a reachable raising path is
an ERROR with a replayed witness).  A traced conclusion is replayed concretely
(``z3replay``) before it is reported, and one doing float arithmetic over the
reals is at best NOT_FALSIFIED.  Where the implementation cannot be traced
(numpy, ``int(x)``, too many paths, ...) every input within the bound is run
concretely instead -- counted, and refused as INCONCLUSIVE above
``max_cases``, never passed.  The verdict's ``mode`` says which ran:
``symbolic-trace bound=4 (6 dtype cases)`` or ``exhaustive 96 cases``.
Counterexamples are replayed through the implementation before reporting;
an implementation that raises is an ERROR carrying its traceback.

``run_conformance_z3``: the implementation traced against the equation over
the whole declared domain → PROVED; else exhaustive within a small bound →
VERIFIED_BOUNDED; else UNCHECKED, so only the Hypothesis half counts.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import replace
from typing import Any, Mapping

import z3

from ..contract.model import Domain
from ..expr.concrete import EvalError, ImplementationError
from ..expr.nodes import Call, Num
from ..expr.scope import Scope
from ..expr.symbolic import NotSymbolic, SymbolicError, SymContext
from ..plan.model import Check
from ..verdicts.model import CheckResult, Verdict
from .counterexample import HELD, REJECTED, NotBoolean, build_counterexample, evaluate_case, reproduce_command
from .prove import describe_failure, find_model, replay_failure
from .strategies import EmptyDomain, enumerate_inputs, input_plan
from .z3problem import check_domains, model_inputs, translate_check
from .options import RunOptions
from .z3replay import attack_floats, refute_by_replay, replay_points, run_examples, uses_reals
from .z3util import decide, fresh_solver

__all__ = ["run_harness", "run_conformance_z3", "CONFORMANCE_BOUND"]

CONFORMANCE_BOUND = 4  # the small bound of conformance's exhaustive fallback
_FINITE_LIMIT = 64  # enum/bool assignments enumerated concretely for the trace


class _Outcome(Exception):
    """A final result found part-way (counterexample, error, unknown)."""

    def __init__(self, result: CheckResult):
        self.result = result


class _Run:
    def __init__(self, check: Check, scope: Scope, *, timeout_ms: int, seed: int, bound: int | None):
        self.check, self.scope, self.seed, self.bound = check, scope, seed, bound
        self.timeout_ms = timeout_ms  # for all of this check's solver calls together
        self.started = time.perf_counter()
        self.reproduce = reproduce_command(check, seed)

    @property
    def budget(self) -> dict:
        """What is left of the check's time budget, for the next solver call."""
        left = self.timeout_ms - int((time.perf_counter() - self.started) * 1000)
        if left <= 0:
            raise _Outcome(self.result(Verdict.INCONCLUSIVE, f"Z3: timeout ({self.timeout_ms} ms for the whole "
                                                             f"check used up)", mode="symbolic-trace"))
        return dict(timeout_ms=left, seed=self.seed, rlimit=None)

    def result(self, verdict: Verdict, detail: str, *, mode: str = "", engine: str = "z3", **extra: Any) -> CheckResult:
        return CheckResult(self.check.id, self.check.kind, self.check.contract_id, verdict,
                           obligation=self.check.obligation_id, engine=engine, mode=mode,
                           seconds=round(time.perf_counter() - self.started, 4), detail=detail, seed=self.seed,
                           bound=self.bound, title=self.check.title, **extra)

    def error(self, exc: BaseException, inputs: Mapping[str, Any], mode: str, engine: str) -> CheckResult:
        if isinstance(exc, ImplementationError):
            detail, tb = f"the implementation raised: {exc}", exc.traceback_text
        elif isinstance(exc, EvalError):
            fn = f" (in equation '{exc.function}')" if exc.function else ""
            detail, tb = f"the check cannot be evaluated{fn}: {exc.message}", None
        else:
            detail, tb = str(exc), None
        cex = build_counterexample(self.check, self.scope, dict(inputs), message=detail,
                                   reproduce=self.reproduce, expect_violation=False)
        return self.result(Verdict.ERROR, detail, mode=mode, engine=engine, error=tb, counterexample=cex)

    # -- symbolic trace --------------------------------------------------
    def trace(self, assignments: list[dict[str, Any]], mode: str, *, unbounded: bool = False) -> CheckResult:
        """Every assignment of the finite variables proved by Z3; raises NotSymbolic to fall back."""
        satisfiable = 0
        solved: list[tuple[Any, dict[str, Any]]] = []
        for fixed in assignments:
            ctx = SymContext(check_width=self.check.width, signed=self.check.signed, bound=self.bound,
                             text=self.check.expr_text)
            problem = translate_check(self.check, self.scope, ctx, bound=None if unbounded else self.bound,
                                      fixed=fixed)
            solver = fresh_solver(**self.budget)
            solver.add(*problem.constraints, *(t for _, t in problem.premises))
            answer, reason = decide(solver)
            if answer == "unknown":
                raise _Outcome(self.result(Verdict.INCONCLUSIVE, f"Z3 (premises, {fixed}): {reason}", mode=mode))
            if answer == "unsat":
                continue
            satisfiable += 1
            goal = z3.And(problem.conclusion, *problem.side_conditions())
            answer, reason, model = find_model(problem, z3.Not(goal), self.budget)
            if answer == "unknown":
                raise _Outcome(self.result(Verdict.INCONCLUSIVE, f"Z3 ({fixed}): {reason}", mode=mode))
            if answer == "sat":
                raise _Outcome(self.counterexample(problem, model, fixed, mode))
            solved.append((problem, fixed))
        if satisfiable == 0:
            return self.result(Verdict.VACUOUS, "no input within the bound satisfies the premises", mode=mode)
        replayed = self.replay(solved, mode)
        verdict = Verdict.PROVED if unbounded else Verdict.VERIFIED_BOUNDED
        detail = (f"holds for every input{'' if unbounded else ' within the bound'} ({satisfiable} of "
                  f"{len(assignments)} finite assignments satisfiable; {replayed} inputs replayed concretely)")
        if any(uses_reals(problem) for problem, _ in solved):
            # Exact reals are not floats: the Real proof alone is never PROVED.
            return self.result(Verdict.NOT_FALSIFIED, f"proved over the reals, not floats: {detail}", mode=mode,
                               cases=len(assignments), examples=replayed)
        return self.result(verdict, detail, mode=mode, cases=len(assignments))

    def replay(self, solved: list[tuple[Any, dict[str, Any]]], mode: str) -> int:
        """Run the real implementation at corner, per-path and random inputs; a disagreement ends the check."""
        count = 0
        for problem, fixed in solved:
            points = replay_points(problem, self.scope, fixed=fixed, bound=self.bound, seed=self.seed,
                                   budget=lambda: self.budget)
            refuted = refute_by_replay(self.check, self.scope, points, reproduce=self.reproduce)
            if refuted is not None:
                verdict, detail, cex, tb = refuted
                raise _Outcome(self.result(verdict, detail, mode=mode, counterexample=cex, error=tb))
            count += len(points)
        return count

    def counterexample(self, problem, model, fixed, mode: str) -> CheckResult:
        inputs = model_inputs(model, problem, self.scope, fixed)
        message, confirmed, why = replay_failure(self.check, self.scope, problem, model, inputs)
        side = describe_failure(problem, model)
        if side is not None and side.kind == "raises" and not confirmed:
            # The tracer took a raising path the real code does not take here: the trace is wrong.
            raise NotSymbolic(f"a path that raises under tracing does not raise concretely at {inputs} ({why})")
        try:
            evaluate_case(self.check, self.scope, inputs)
        except ImplementationError as exc:
            return self.error(exc, inputs, mode, "z3")
        except (EvalError, NotBoolean):
            pass
        cex = build_counterexample(self.check, self.scope, inputs, message=message, reproduce=self.reproduce,
                                   expect_violation=False)
        cex.replayed = confirmed
        if not confirmed:
            return self.result(Verdict.ERROR, f"Z3 reported a counterexample the concrete replay does not "
                                              f"confirm: {why}", mode=mode, counterexample=cex)
        return self.result(Verdict.FALSIFIED, message, mode=mode, counterexample=cex)

    # -- exhaustive --------------------------------------------------------
    def exhaustive(self, domains: Mapping[str, Domain], max_cases: int, why: str) -> CheckResult:
        bounded = {name: _bounded(domain, self.bound) for name, domain in domains.items()}
        try:
            cases = enumerate_inputs(input_plan(bounded, list(bounded)), self.scope, max_cases)
        except (EmptyDomain, EvalError) as exc:
            return self.result(Verdict.ERROR, f"cannot enumerate inputs: {exc}", engine="exhaustive")
        if cases is None:
            return self.result(Verdict.INCONCLUSIVE, f"{why}; exhaustive enumeration needs more than {max_cases} "
                                                     f"cases (or a float/array input) within bound {self.bound}",
                               mode="not run", engine="exhaustive")
        mode = f"exhaustive {len(cases)} cases"
        held = 0
        for inputs in cases:
            try:
                outcome = evaluate_case(self.check, self.scope, inputs)
            except (EvalError, ImplementationError, NotBoolean) as exc:
                return self.error(exc, inputs, mode, "exhaustive")
            if outcome == HELD:
                held += 1
            elif outcome != REJECTED:
                cex = build_counterexample(self.check, self.scope, inputs, message="the property is false here",
                                           reproduce=self.reproduce)
                verdict = Verdict.FALSIFIED if cex.replayed else Verdict.ERROR
                detail = "the property is false here" if cex.replayed else \
                    "a failing case did not fail again when replayed (a nondeterministic implementation?)"
                return self.result(verdict, detail, mode=mode, engine="exhaustive", counterexample=cex,
                                   cases=len(cases))
        if held == 0:
            return self.result(Verdict.VACUOUS, f"no input within the bound satisfies the premises ({why})",
                               mode=mode, engine="exhaustive", cases=len(cases))
        return self.result(Verdict.VERIFIED_BOUNDED, f"every input within the bound holds ({held} of "
                                                     f"{len(cases)} met the premises); {why}",
                           mode=mode, engine="exhaustive", cases=len(cases), examples=held)


def _bounded(domain: Domain, bound: int | None) -> Domain:
    """The domain ∩ [-bound, bound] (ints), lengths ≤ bound (lists)."""
    if bound is None:
        return domain
    if domain.kind == "int":
        lo = Call(func="max", args=(domain.min, Num(value=-bound))) if domain.min is not None else Num(value=-bound)
        hi = Call(func="min", args=(domain.max, Num(value=bound))) if domain.max is not None else Num(value=bound)
        return replace(domain, min=lo, max=hi)
    if domain.kind == "list":
        element = _bounded(domain.element, bound) if domain.element is not None else None
        return replace(domain, element=element, max_len=min(domain.max_len, bound))
    return domain


def _finite_assignments(domains: Mapping[str, Domain]) -> tuple[list[dict[str, Any]], str]:
    """Every assignment of the enum/bool variables, and a label like ``6 dtype cases``."""
    names = [n for n, d in domains.items() if d.kind in ("enum", "bool")]
    choices = [list(domains[n].values) if domains[n].kind == "enum" else [False, True] for n in names]
    total = 1
    for values in choices:
        total *= len(values)
    if not names or total > _FINITE_LIMIT:
        return [{}], "no finite cases" if not names else "finite variables symbolic"
    assignments = [dict(zip(names, combo)) for combo in itertools.product(*choices)]
    return assignments, f"{len(assignments)} {'×'.join(names)} cases"


def run_harness(check: Check, scope: Scope, *, timeout_ms: int = 10_000, seed: int = 0,
                max_cases: int = 200_000, options: RunOptions | None = None) -> CheckResult:
    """A Kani-style harness: symbolic trace within the bound, else exhaustive enumeration."""
    run = _Run(check, scope, timeout_ms=timeout_ms, seed=seed, bound=check.bound)
    if check.expr is None:
        return run.result(Verdict.UNCHECKED, "nothing executable")
    failed_example = run_examples(check, scope, seed=seed)
    if failed_example is not None:
        return failed_example
    try:
        domains = check_domains(check, scope)
    except EmptyDomain as exc:
        return run.result(Verdict.ERROR, f"cannot plan inputs: {exc}")
    why = "strategy exhaustive"
    if check.strategy != "exhaustive":
        assignments, label = _finite_assignments(domains)
        mode = f"symbolic-trace bound={check.bound} ({label})"
        try:
            result = run.trace(assignments, mode)
            if result.verdict is Verdict.NOT_FALSIFIED:  # proved over the reals only: attack the floats
                # ...within the harness bound: an input outside it is not a counterexample of this harness.
                within = {name: _bounded(domain, check.bound) for name, domain in check.variables.items()}
                result = attack_floats(replace(check, variables=within), scope, result,
                                       options or RunOptions(seed=seed))
            return result
        except _Outcome as outcome:
            return outcome.result
        except NotSymbolic as exc:
            why = f"not traceable: {exc.reason}"
        except z3.Z3Exception as exc:  # a sort mix the translator does not cover: run it concretely
            why = f"not traceable: {exc}"
        except (SymbolicError, EvalError) as exc:
            return run.result(Verdict.ERROR, f"cannot translate the check: {exc}", mode=mode)
    if check.width:
        # Python ints never overflow: concrete runs cannot see an overflow of the implementation's arithmetic.
        return run.result(Verdict.INCONCLUSIVE, f"{why}; a {check.width}-bit overflow harness needs a "
                                                f"traceable implementation", mode="not run")
    return run.exhaustive(domains, max_cases, why)


def run_conformance_z3(check: Check, scope: Scope, *, timeout_ms: int = 10_000, seed: int = 0,
                       max_cases: int = 20_000) -> CheckResult:
    """Z3's half of ``CONFORM:``: PROVED by trace, VERIFIED_BOUNDED exhaustively, else UNCHECKED."""
    run = _Run(check, scope, timeout_ms=timeout_ms, seed=seed, bound=None)
    if check.expr is None:
        return run.result(Verdict.UNCHECKED, "nothing executable")
    try:
        domains = check_domains(check, scope)
    except EmptyDomain as exc:
        return run.result(Verdict.ERROR, f"cannot plan inputs: {exc}")
    assignments, label = _finite_assignments(domains)
    try:
        return run.trace(assignments, f"symbolic-trace unbounded ({label})", unbounded=True)
    except _Outcome as outcome:
        return outcome.result
    except NotSymbolic as exc:
        why = f"not traceable: {exc.reason}"
    except z3.Z3Exception as exc:
        why = f"not traceable: {exc}"
    except (SymbolicError, EvalError) as exc:
        return run.result(Verdict.UNCHECKED, f"Z3 cannot translate the check: {exc}")
    run.bound = CONFORMANCE_BOUND
    result = run.exhaustive(domains, max_cases, why)
    if result.verdict is Verdict.INCONCLUSIVE:
        result.verdict = Verdict.UNCHECKED  # nothing ran: only the Hypothesis half counts
    return result
