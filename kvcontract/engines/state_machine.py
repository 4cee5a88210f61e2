"""State-machine tests: a Hypothesis RuleBasedStateMachine against the bound implementation.

The test's ``state_machine`` names a declared symbol bound to a factory
``make_machine(symbols: Mapping[str, Callable]) -> type[RuleBasedStateMachine]``;
the factory gets the contract's resolved implementation callables, so the
same machine checks the reference, your engine or a mutant.  Contracts never
name code themselves: the factory is imported only because a binding file
names it.

Each generated program is one example; steps are counted as they run.  An
``AssertionError`` (a rule or invariant comparing the implementation with the
model) is FALSIFIED with the shrunk step sequence, which Hypothesis replays
before reporting; any other exception is an ERROR with its traceback.
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any, Callable, Mapping

from hypothesis import HealthCheck, Verbosity, seed, settings
from hypothesis.errors import HypothesisException, Unsatisfiable
from hypothesis.reporting import with_reporter
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from ..expr.scope import ImplFn, Scope
from ..plan.model import Check
from ..verdicts.model import CheckResult, Counterexample, Verdict
from .constants import pin_for_scope
from .counterexample import reproduce_command
from .options import RunOptions

__all__ = ["run_state_machine", "machine_class", "DEFAULT_STEPS"]

DEFAULT_STEPS = 50  # steps per generated program (Hypothesis' stateful_step_count)
_ENGINES_DIR = os.path.dirname(os.path.abspath(__file__))


def machine_class(check: Check, symbols: Mapping[str, Callable[..., Any]], target: Any = None) -> type:
    """The RuleBasedStateMachine subclass for ``check``; raises TypeError when the factory gives none."""
    name = check.state_machine or ""
    obj = symbols.get(name, target)
    if obj is None:
        raise TypeError(f"state machine '{name}' is not a bound symbol")
    if not (isinstance(obj, type) and issubclass(obj, RuleBasedStateMachine)):
        obj = obj(dict(symbols))
    if not (isinstance(obj, type) and issubclass(obj, RuleBasedStateMachine)):
        raise TypeError(f"state machine factory '{name}' returned {type(obj).__name__}, "
                        f"not a RuleBasedStateMachine subclass")
    return obj


def _steps_text(lines: list[str]) -> list[str]:
    """The step program Hypothesis reported for the final (shrunk) run, up to its teardown."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].startswith("state = "):  # the last program printed is the shrunk one
            program = []
            for line in lines[index:]:
                if line.strip():
                    program.append(line)
                if line.startswith("state.teardown()"):
                    break
            return program
    return [line for line in lines if line.strip()]


def _traceback_outside_tools(exc: BaseException) -> str:
    """The traceback without Hypothesis' and kvcontract's engine frames: the machine's and the implementation's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f"{os.sep}hypothesis{os.sep}" not in f.filename and _ENGINES_DIR not in f.filename]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)] if frames else []
    # Not format_exception_only: since 3.11 it appends Hypothesis' notes (the program, shown elsewhere).
    return "".join(lines) + f"{type(exc).__name__}: {exc}\n"


def run_state_machine(check: Check, scope: Scope, options: RunOptions | None = None, *,
                      target: Any = None) -> CheckResult:
    options = options or RunOptions()
    started = time.monotonic()
    max_examples = options.max_examples_for(check)
    reproduce = reproduce_command(check, options.seed, options.reproduce_args, options.max_examples)

    def result(verdict: Verdict, detail: str, **extra: Any) -> CheckResult:
        return CheckResult(check.id, check.kind, check.contract_id, verdict, obligation=check.obligation_id,
                           engine="hypothesis", detail=detail, seed=options.seed, title=check.title,
                           seconds=time.monotonic() - started, **extra)

    symbols = {name: fn.fn for name, fn in scope.functions.items() if isinstance(fn, ImplFn)}
    try:
        base = machine_class(check, symbols, target)
    except Exception as exc:  # noqa: BLE001 - a broken factory is an ERROR, never a pass
        return result(Verdict.ERROR, f"cannot build the state machine: {type(exc).__name__}: {exc}",
                      error=traceback.format_exc())

    counts = {"examples": 0, "steps": 0, "failed": False}

    class Counted(base):  # type: ignore[misc, valid-type]
        """Counts programs that ran to the end (teardown with no exception in flight) and their steps."""

        def __init__(self) -> None:
            super().__init__()
            self._kv_steps = -1  # check_invariants runs once before the first step

        def check_invariants(self, *args: Any, **kwargs: Any) -> None:
            self._kv_steps += 1
            super().check_invariants(*args, **kwargs)

        def teardown(self) -> None:
            if sys.exc_info()[0] is None and not counts["failed"]:
                counts["examples"] += 1
                counts["steps"] += max(self._kv_steps, 0)
            super().teardown()

    Counted.__name__ = base.__name__
    Counted.__qualname__ = base.__qualname__
    seed(options.seed)(Counted)
    if options.hypothesis_profile and options.max_examples is None:
        max_examples = settings.get_profile(options.hypothesis_profile).max_examples
    min_examples = options.min_examples_for(check, max_examples)
    parent = settings.get_profile(options.hypothesis_profile) if options.hypothesis_profile else settings.default
    config = settings(
        parent, max_examples=max_examples, stateful_step_count=DEFAULT_STEPS, deadline=None, database=None,
        derandomize=True, report_multiple_bugs=False, verbosity=Verbosity.normal,  # normal: the steps become exception notes
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    reported: list[str] = []
    mode = f"state machine, seed={options.seed}, up to {DEFAULT_STEPS} steps per program"

    def tallies() -> dict:
        return dict(mode=mode, examples=counts["examples"], cases=counts["steps"], min_examples=min_examples)

    pin_for_scope(scope, [base])  # reproducible inputs whatever else this process has imported
    try:
        with with_reporter(lambda text: reported.append(str(text))):
            run_state_machine_as_test(Counted, settings=config)
    except Unsatisfiable as exc:
        return result(Verdict.VACUOUS, f"no program could run: {exc}", **tallies())
    except HypothesisException as exc:
        return result(Verdict.ERROR, f"Hypothesis: {type(exc).__name__}: {exc}", **tallies())
    except Exception as exc:  # noqa: BLE001 - the implementation or the machine failed
        counts["failed"] = True
        notes = [str(n) for n in getattr(exc, "__notes__", ())]
        steps = _steps_text("\n".join(notes + reported).splitlines())
        message = f"{type(exc).__name__}: {exc}".strip()
        cex = Counterexample(inputs={"steps": steps}, message=message, reproduce=reproduce,
                             yaml_example="", replayed=True,  # Hypothesis re-ran the shrunk program to raise this
                             explanation=[(f"step {i}", line) for i, line in enumerate(steps)])
        tb = _traceback_outside_tools(exc)
        if isinstance(exc, AssertionError):
            return result(Verdict.FALSIFIED, f"the implementation diverged from the model: {message}",
                          counterexample=cex, error=tb, **tallies())
        return result(Verdict.ERROR, f"the state machine raised {message}", counterexample=cex, error=tb,
                      **tallies())
    detail = f"{counts['examples']} programs, {counts['steps']} steps, no divergence"
    if counts["examples"] < min_examples:
        detail += f" (fewer than the required {min_examples}: not evidence)"
    return result(Verdict.NOT_FALSIFIED, detail, **tallies())
