"""The Hypothesis engine: attack one check with generated inputs.

Order of work for a check:

1. its explicit ``examples:`` (each must give ``holds`` and match ``expect``);
2. every input, when the domain is finite and small (exhaustive: VERIFIED_BOUNDED);
3. otherwise Hypothesis, ``@given`` on a function built here and called
   directly: seeded (``--seed``), no deadline, no database, shrinking on.

Only cases whose premises held are counted as examples; a check whose
premises never held is VACUOUS.  Fail closed: an implementation that raises
(outside ``raises(...)``), returns the wrong type, or a check that cannot be
evaluated is an ERROR with the implementation's own traceback; a failure is
FALSIFIED only with a shrunk counterexample that replays concretely.
"""
from __future__ import annotations

import math
import time
import traceback
from typing import Any, Mapping

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis.errors import HypothesisException, Unsatisfiable

from ..bind.scope import WrongReturnType
from ..contract.model import Example
from ..expr.concrete import EvalError, ImplementationError, evaluate
from ..expr.nodes import free_names
from ..expr.parse import ExprSyntaxError, parse_expr
from ..expr.printer import to_text
from ..expr.scope import Scope
from ..plan.model import Check
from ..verdicts.model import CheckResult, Verdict
from .constants import pin_for_scope
from .counterexample import (
    HELD,
    REJECTED,
    VIOLATED,
    NotBoolean,
    build_counterexample,
    conformance_values,
    evaluate_case,
    reproduce_command,
)
from .options import RunOptions
from .strategies import ARRAY_DIM_CAP, EmptyDomain, InputPlan, enumerate_inputs, input_plan, inputs_strategy, roots_of

__all__ = ["run_falsification", "hypothesis_settings", "EXHAUSTIVE_FACTOR", "PROVED_CONFIRM_EXAMPLES"]

# Hypothesis examples a conformance check still runs once Z3 proved it over the whole declared domain.
PROVED_CONFIRM_EXAMPLES = 100
# A finite domain with at most this many times max_examples inputs is enumerated instead of sampled.
EXHAUSTIVE_FACTOR = 4
_CASE_ERRORS = (EvalError, ImplementationError, NotBoolean, EmptyDomain)
# Sampling cannot show premises unsatisfiable (only Z3 can): rare premises read the same way.
_NOT_MET = "no generated example met the premises (they may be satisfiable: add examples:)"


class _BadExample(Exception):
    """An explicit example that contradicts its own declarations (shape, derived value)."""


class _Violated(Exception):
    """Raised inside the Hypothesis test so it shrinks toward a minimal failing input."""


def hypothesis_settings(options: RunOptions, max_examples: int) -> settings:
    """Gate-mode settings, or the registered ``--hypothesis-profile`` (without database)."""
    common = dict(
        database=None,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        # too_slow/data_too_large: implementations and arrays may be slow or big, that is not a bug;
        # filter_too_much: premises reject cases by design, and the count of held cases is checked.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much, HealthCheck.large_base_example],
    )
    if options.hypothesis_profile:
        # The profile decides everything but the count when --max-examples is given too.
        return settings(settings.get_profile(options.hypothesis_profile), max_examples=max_examples, **common)
    return settings(max_examples=max_examples, derandomize=True, deadline=None,
                    phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink), **common)


class _Attack:
    def __init__(self, check: Check, scope: Scope, options: RunOptions, *, examples_cap: int | None = None):
        self.check, self.scope, self.options = check, scope, options
        self.max_examples = options.max_examples_for(check)
        if options.hypothesis_profile and options.max_examples is None:
            self.max_examples = settings.get_profile(options.hypothesis_profile).max_examples
        self.min_examples = options.min_examples_for(check, self.max_examples)
        if examples_cap is not None and examples_cap < self.max_examples:
            self.max_examples = self.min_examples = examples_cap
        self.seed = options.seed
        self.reproduce = reproduce_command(check, self.seed, options.reproduce_args,
                                           options.max_examples)

    def result(self, verdict: Verdict, detail: str, **extra: Any) -> CheckResult:
        cex = extra.get("counterexample")
        if cex is not None and cex.message == detail:
            cex.message = ""  # said once, in the detail
        return CheckResult(check_id=self.check.id, kind=self.check.kind, contract=self.check.contract_id,
                           verdict=verdict, obligation=self.check.obligation_id, engine="hypothesis",
                           detail=detail, seed=self.seed, title=self.check.title, **extra)

    # -- errors and counterexamples ----------------------------------------
    def error(self, exc: BaseException, values: Mapping[str, Any] | None, where: str) -> CheckResult:
        inner = getattr(exc, "exception", None)
        tb = None
        if isinstance(exc, ImplementationError) and isinstance(inner, WrongReturnType):
            detail = f"{where}: {inner}"
        elif isinstance(exc, ImplementationError):
            detail = f"{where}: {exc}"
            tb = exc.traceback_text
        elif isinstance(exc, EvalError):
            fn = f" (in equation '{exc.function}')" if exc.function else ""
            detail = f"{where}: the check cannot be evaluated{fn}: {exc.message}"
        else:
            detail = f"{where}: {exc}"
        counterexample = None
        if values is not None and self.check.expr is not None:
            counterexample = build_counterexample(self.check, self.scope, values, message=detail,
                                                  reproduce=self.reproduce, expect_violation=False)
            counterexample.replayed = self._fails_again(values, type(exc))
        return self.result(Verdict.ERROR, detail, error=tb, counterexample=counterexample)

    def _fails_again(self, values: Mapping[str, Any], kind: type) -> bool:
        """Does evaluating the case again raise the same kind of error?"""
        try:
            evaluate_case(self.check, self.scope, values)
        except _CASE_ERRORS as again:
            return isinstance(again, kind)
        return False

    def falsified(self, values: Mapping[str, Any], message: str, **extra: Any) -> CheckResult:
        cex = build_counterexample(self.check, self.scope, values, message=message, reproduce=self.reproduce)
        if not cex.replayed:
            return self.result(Verdict.ERROR, f"{message}; but the counterexample did not fail again when replayed "
                                              f"(a nondeterministic implementation?)", counterexample=cex, **extra)
        return self.result(Verdict.FALSIFIED, message, counterexample=cex, **extra)

    # -- explicit examples ---------------------------------------------------
    def example_values(self, example: Example, plan: InputPlan) -> dict[str, Any]:
        """The example's inputs typed as declared; derived variables computed from their bases.

        Only what the check reads must be given: a derived variable whose bases
        are not all given is left out (evaluating the check says so if it needs
        it), and a given derived value must agree with its definition.
        """
        given = dict(example.inputs)
        values: dict[str, Any] = {}
        for name in plan.order:
            domain = plan.domains[name]
            if domain.kind == "derived" and domain.value is not None:
                bases = [b for b in free_names(domain.value) if b in self.check.variables]
                if all(b in values for b in bases):
                    computed = evaluate(domain.value, self.scope.with_values(values))
                    if name in given and not _close(given[name], computed, self.check.tolerance, self.check.rtol):
                        raise _BadExample(f"'{name}' is given as {given[name]!r}, but its definition "
                                          f"{name} = {to_text(domain.value)} gives {computed!r}")
                    values[name] = computed
                    continue
            if name in given:
                values[name] = self._typed(name, given[name], values)
        for name, value in given.items():  # inputs the check does not read stay visible in reports
            values.setdefault(name, self._typed(name, value, values))
        return values

    def _typed(self, name: str, value: Any, values: Mapping[str, Any]) -> Any:
        """An array input built with its declared dtype and shape (an empty list keeps its dimensions)."""
        domain = self.check.variables.get(name)
        if domain is None or domain.kind != "array" or not isinstance(value, list):
            return value
        array = np.asarray(value, dtype=np.dtype(domain.dtype))
        dims = [values.get(d) if isinstance(d, str) else d for d in domain.shape]
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims):
            return array  # a dimension the example does not give: keep the shape as written
        shape = tuple(int(d) for d in dims)
        if array.size == 0 and math.prod(shape) == 0:
            return array.reshape(shape)
        if array.shape != shape:
            raise _BadExample(f"'{name}' has shape {array.shape}, but its declared shape "
                              f"{list(domain.shape)} is {shape} here")
        return array

    def _missing(self, exc: BaseException, example: Example, plan: InputPlan) -> str | None:
        """'the example does not give X' when evaluating it read a variable it leaves out."""
        if not isinstance(exc, EvalError):
            return None
        for name in plan.order:
            if name not in example.inputs and exc.message.startswith(f"unknown name '{name}'"):
                domain = plan.domains[name]
                if domain.kind == "derived" and domain.value is not None:
                    bases = [b for b in free_names(domain.value) if b in plan.domains and b not in example.inputs]
                    return (f"the example does not give {', '.join(repr(b) for b in bases)}, which the check "
                            f"reads (needed for derived '{name}'; or give '{name}' itself)")
                return f"the example does not give '{name}', which the check reads"
        return None

    def run_example(self, example: Example, plan: InputPlan) -> CheckResult | None:
        where = f"example at {example.pos}"
        values: dict[str, Any] | None = None
        try:
            values = self.example_values(example, plan)
            outcome = evaluate_holds(self.check, self.scope, values)
            if outcome is None:
                return self.result(Verdict.ERROR, f"{where} does not satisfy the check's assume premises")
            if outcome != example.holds:
                if example.holds:
                    return self.falsified(values, f"{where}: the check is false for this example", cases=1)
                return self.example_mismatch(values, where)
            if example.has_expect:
                problem = self.expect_problem(example, values)
                if problem:
                    cex = build_counterexample(self.check, self.scope, values, message=f"{where}: {problem}",
                                               reproduce=self.reproduce, expect_violation=False)
                    cex.replayed = True  # the example was just evaluated concretely
                    return self.result(Verdict.FALSIFIED, f"{where}: {problem}", counterexample=cex)
        except _BadExample as exc:
            return self.result(Verdict.ERROR, f"{where}: {exc}")
        except _CASE_ERRORS as exc:
            missing = self._missing(exc, example, plan)
            if missing:
                return self.result(Verdict.ERROR, f"{where}: {missing}")
            return self.error(exc, values, where)
        return None

    def example_mismatch(self, values: Mapping[str, Any], where: str) -> CheckResult:
        message = f"{where}: the check holds, but the example says it must not (holds: false)"
        cex = build_counterexample(self.check, self.scope, values, message=message, reproduce=self.reproduce,
                                   expect_violation=False)
        cex.replayed = True  # evaluated concretely just now
        return self.result(Verdict.FALSIFIED, message, counterexample=cex)

    def expect_problem(self, example: Example, values: Mapping[str, Any]) -> str | None:
        check = self.check
        if check.kind == "conformance" and not isinstance(example.expect, Mapping):
            impl, spec = conformance_values(check, self.scope, values)
            wrong = [f"{label} gives {value!r}" for label, value in
                     ((f"implementation {check.symbol}", impl), (f"formula {check.equation}", spec))
                     if not _close(value, example.expect, check.tolerance, check.rtol)]
            return f"expected {example.expect!r}: " + "; ".join(wrong) if wrong else None
        if not isinstance(example.expect, Mapping):
            return f"'expect' must map symbol or expression text to a value here, got {example.expect!r}"
        case = self.scope.with_values(values)
        for text, wanted in example.expect.items():
            try:
                node = parse_expr(str(text))
            except ExprSyntaxError as exc:
                return f"expect key '{text}' is not an expression: {exc.message}"
            got = evaluate(node, case)
            if not _close(got, wanted, check.tolerance, check.rtol):
                return f"{text} is {got!r}, expected {wanted!r}"
        return None

    # -- exhaustive and Hypothesis ------------------------------------------
    def run_exhaustive(self, cases: list[dict[str, Any]]) -> CheckResult:
        held = 0
        for values in cases:
            try:
                outcome = evaluate_case(self.check, self.scope, values)
            except _CASE_ERRORS as exc:
                return self.error(exc, values, "exhaustive case")
            if outcome == VIOLATED:
                return self.falsified(values, "the check is false for this input (exhaustive search)",
                                      cases=len(cases), examples=held)
            held += outcome == HELD
        mode = f"exhaustive: all {len(cases)} inputs of the declared domain"
        if held == 0:
            return self.result(Verdict.VACUOUS, "no input of the domain satisfies the premises", mode=mode,
                               cases=len(cases))
        return self.result(Verdict.VERIFIED_BOUNDED, f"every input of the finite domain checked ({held} met the "
                           f"premises)", mode=mode, cases=len(cases), examples=held)

    def run_hypothesis(self, plan: InputPlan) -> CheckResult:
        state: dict[str, Any] = {"held": 0, "calls": 0, "failed": False, "last": None}
        check, scope = self.check, self.scope

        def attack(inputs: dict[str, Any]) -> None:
            state["last"] = inputs
            outcome = evaluate_case(check, scope, inputs)
            if not state["failed"]:
                state["calls"] += 1
            if outcome == REJECTED:
                reject()
            if outcome == VIOLATED:
                state["failed"] = True
                raise _Violated()
            if not state["failed"]:
                state["held"] += 1

        test = given(inputs_strategy(plan, scope))(attack)
        test = settings(hypothesis_settings(self.options, self.max_examples))(test)
        test = seed(self.seed)(test)
        mode = f"hypothesis seed={self.seed}" + (f", array dimensions capped at {ARRAY_DIM_CAP}" if plan.capped else "")
        counts = lambda: dict(mode=mode, examples=state["held"], cases=state["calls"],  # noqa: E731
                              min_examples=self.min_examples)
        pin_for_scope(scope)  # same seed, same inputs: whatever else this process has imported
        try:
            test()
        except _Violated:
            return self.falsified(state["last"], "the check is false for this input (shrunk by Hypothesis)",
                                  **counts())
        except _CASE_ERRORS as exc:
            return self.error(exc, state["last"], "generated input")
        except Unsatisfiable:
            return self.result(Verdict.VACUOUS, _NOT_MET, **counts())
        except HypothesisException as exc:
            return self.result(Verdict.ERROR, f"Hypothesis: {type(exc).__name__}: {exc}", **counts())
        except Exception as exc:  # noqa: BLE001 - a tool failure is an ERROR, never a pass
            return self.result(Verdict.ERROR, f"internal error: {type(exc).__name__}: {exc}",
                               error=traceback.format_exc(), **counts())
        if state["held"] == 0:
            return self.result(Verdict.VACUOUS, f"{_NOT_MET} ({state['calls']} generated inputs)",
                               **counts())
        detail = f"{state['held']} examples, no counterexample"
        if state["held"] < self.min_examples:
            detail += f" (fewer than the required {self.min_examples}: not evidence)"
        return self.result(Verdict.NOT_FALSIFIED, detail, **counts())

    def run(self) -> CheckResult:
        check = self.check
        if check.expr is None:
            return self.result(Verdict.UNCHECKED, "no machine-checkable property (prose only)")
        try:
            plan = input_plan(check.variables, roots_of([check.expr, *check.assume], self.scope))
        except EmptyDomain as exc:
            return self.result(Verdict.ERROR, f"cannot generate inputs: {exc}")
        for example in check.examples:
            failed = self.run_example(example, plan)
            if failed is not None:
                return failed
        try:
            cases = enumerate_inputs(plan, self.scope, self.max_examples * EXHAUSTIVE_FACTOR)
        except _CASE_ERRORS as exc:
            return self.error(exc, None, "enumerating the domain")
        if cases is not None:
            return self.run_exhaustive(cases)
        return self.run_hypothesis(plan)


def evaluate_holds(check: Check, scope: Scope, values: Mapping[str, Any]) -> bool | None:
    """The check's truth value for an explicit example; None when an ``assume`` premise is false."""
    outcome = evaluate_case(check, scope, values)
    if outcome == REJECTED:
        case = scope.with_values(values)
        if all(bool(evaluate(p, case)) for p in check.assume):
            return True  # only an implication premise is false: the implication holds
        return None
    return outcome == HELD


def _close(got: Any, wanted: Any, tolerance: float, rtol: float) -> bool:
    """Does a computed value match an example's expected value (floats within tolerance)?"""
    if isinstance(got, (bool, np.bool_)) or isinstance(wanted, bool):
        return isinstance(got, (bool, np.bool_)) and isinstance(wanted, bool) and bool(got) == wanted
    if isinstance(got, np.ndarray) or isinstance(wanted, (list, np.ndarray)):
        try:
            a, b = np.asarray(got, dtype=float), np.asarray(wanted, dtype=float)
        except (TypeError, ValueError):
            return bool(got == wanted) if isinstance(got, list) else False
        return a.shape == b.shape and bool(np.allclose(a, b, atol=tolerance, rtol=rtol))
    numbers = (int, float, np.integer, np.floating)
    if isinstance(got, numbers) and isinstance(wanted, numbers):
        if isinstance(got, (float, np.floating)) or isinstance(wanted, float):
            return abs(got - wanted) <= tolerance + rtol * abs(wanted)
        return int(got) == int(wanted)
    return type(got) is type(wanted) and got == wanted


def run_falsification(check: Check, scope: Scope, options: RunOptions | None = None) -> CheckResult:
    """Attack ``check`` with its examples, then every input or Hypothesis; never raises for a bad case."""
    options = options or RunOptions()
    started = time.monotonic()
    if check.kind != "conformance" or check.expr is None:
        result = _Attack(check, scope, options).run()
    else:
        # Z3 first: when it proves the implementation equal to the formula over the whole
        # declared domain, Hypothesis only confirms the concrete calls agree with the trace
        # (PROVED_CONFIRM_EXAMPLES); the proof, not a sample, is the evidence.
        from .conformance import combine, run_z3  # lazy: z3 is imported only when needed

        z3 = run_z3(check, scope, options)
        proved = not isinstance(z3, str) and z3.verdict is Verdict.PROVED
        attack = _Attack(check, scope, options, examples_cap=PROVED_CONFIRM_EXAMPLES if proved else None)
        result = attack.run()
        if result.verdict in (Verdict.NOT_FALSIFIED, Verdict.VERIFIED_BOUNDED):
            if proved and attack.max_examples == PROVED_CONFIRM_EXAMPLES:
                result.detail += (f" (Z3 proved the whole declared domain: {PROVED_CONFIRM_EXAMPLES} examples "
                                  f"confirm the concrete calls)")
            result = combine(result, z3)
    result.seconds = time.monotonic() - started
    return result
