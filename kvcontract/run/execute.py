"""Run one planned check with the engine its kind calls for.

A :class:`WorkerContext` holds the prepared run and builds, once per contract
and per process, the scopes the engines evaluate in: the implementation scope
(bound symbols are the implementation) and the specification scope (every
symbol is its formula, for Z3 proofs).  Nothing unpicklable crosses a process
boundary: a worker resolves the bindings itself from the binding spec.

Fail closed: an engine that raises is an ERROR with kvcontract's traceback; a
check with nothing executable is UNCHECKED.
"""
from __future__ import annotations

import time
import traceback
from typing import Any

from ..bind.binding import machine_targets, resolve_symbols, symbols_needed
from ..bind.scope import dependency_contracts, implementation_scope, spec_scope
from ..engines.options import RunOptions
from ..expr.scope import Scope
from ..plan.model import Check
from ..plan.planner import is_executable
from ..verdicts.model import CheckResult, Verdict
from .prepare import Prepared

__all__ = ["WorkerContext", "execute_check", "error_result"]


def error_result(check: Check, detail: str, *, error: str | None = None, seconds: float = 0.0,
                 engine: str | None = None) -> CheckResult:
    return CheckResult(check.id, check.kind, check.contract_id, Verdict.ERROR, obligation=check.obligation_id,
                       engine=engine or check.engine, detail=detail, error=error, seconds=seconds,
                       title=check.title, min_examples=check.min_examples)


def execute_check(check: Check, impl: Scope, spec: Scope, options: RunOptions, *,
                  machine: Any = None) -> CheckResult:
    """The engine's result for ``check``; never raises (tool failures are ERROR)."""
    started = time.monotonic()
    if not is_executable(check):
        return CheckResult(check.id, check.kind, check.contract_id, Verdict.UNCHECKED,
                           obligation=check.obligation_id, engine=check.engine, title=check.title,
                           detail=check.title if check.kind == "unchecked" else
                           "nothing machine-checkable (prose only): not evidence")
    try:
        if check.kind == "proof" and check.engine == "hypothesis":
            # A statement about the specification whose engines exclude z3: sampled, never PROVED.
            from ..engines.falsify import run_falsification

            result = run_falsification(check, spec, options)
            result.engine = "hypothesis"
            result.mode = "hypothesis on the specification (engines exclude z3)"
            if result.verdict is Verdict.PROVED:
                result = error_result(check, "internal error: Hypothesis claimed PROVED", engine="hypothesis")
        elif check.kind == "proof" or (check.kind == "law" and check.engine == "z3"):
            from ..engines.prove import run_proof

            result = run_proof(check, spec, timeout_ms=options.z3_timeout_ms, seed=options.seed, options=options)
            if result.verdict is Verdict.UNCHECKED:
                # No Z3 form (arrays, transcendental builtins): attack the same
                # statement about the specification with Hypothesis instead, and
                # say so — an unproved obligation must still get evidence or fail.
                from ..engines.falsify import run_falsification

                reason = result.detail.removeprefix("no Z3 form: ")
                result = run_falsification(check, spec, options)
                result.engine = "hypothesis"
                result.mode = ", ".join(part for part in (
                    f"hypothesis on the specification (no Z3 form: {reason})",
                    result.mode.removeprefix("hypothesis ")) if part)
                if result.verdict is Verdict.PROVED:  # sampling is never a proof, whatever an engine said
                    result = error_result(check, "internal error: a Hypothesis fallback claimed PROVED",
                                          engine="hypothesis")
        elif check.kind == "harness":
            from ..engines.bounded import run_harness

            result = run_harness(check, impl, timeout_ms=options.z3_timeout_ms, seed=options.seed, options=options)
        elif check.kind == "state_machine":
            from ..engines.state_machine import run_state_machine

            result = run_state_machine(check, impl, options, target=machine)
        else:
            from ..engines.falsify import run_falsification

            result = run_falsification(check, impl, options)
    except (MemoryError, RecursionError) as exc:
        # kvcontract ran out of memory or stack on this check (range(10**13), a deep formula):
        # the tool failed, said plainly, without kvcontract's traceback posing as the implementation's.
        return error_result(check, f"kvcontract ran out of {'memory' if isinstance(exc, MemoryError) else 'stack'} "
                            f"evaluating this check ({type(exc).__name__}): the contract asks for too much "
                            f"(a huge range or array, or a very deep formula); not evidence",
                            seconds=time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - an engine failure is an ERROR, never a pass
        return error_result(check, f"internal error in the {check.engine} engine: {type(exc).__name__}: {exc}",
                            error=traceback.format_exc(), seconds=time.monotonic() - started)
    if result.verdict is Verdict.FALSIFIED and check.engine == "z3" and result.counterexample is not None:
        result = _contract_failure(check, result, spec if check.kind != "harness" else impl)
    if not result.seconds:
        result.seconds = time.monotonic() - started
    result.title = result.title or check.title
    result.obligation = result.obligation or check.obligation_id
    return result


def _contract_failure(check: Check, result: CheckResult, scope: Scope) -> CheckResult:
    """A Z3 'counterexample' at which the contract itself cannot be evaluated is an ERROR.

    A division by zero or a size guard (``zeros(10**12)``) inside the contract's own
    expression is the contract failing, not the implementation: replay the inputs
    concretely and, when the contract raises, say so instead of FALSIFIED.
    """
    from ..engines.counterexample import evaluate_case
    from ..expr.concrete_support import EvalError

    try:
        evaluate_case(check, scope, dict(result.counterexample.inputs))
    except EvalError as exc:
        where = f" (in equation '{exc.function}')" if getattr(exc, "function", None) else ""
        result.verdict = Verdict.ERROR
        result.detail = (f"the contract cannot be evaluated{where}: {exc.message}; a division by zero or a "
                         f"size guard in the contract's own expression is an ERROR of the contract, not a "
                         f"counterexample")
        result.counterexample.message = ""
    except Exception:  # noqa: BLE001 - anything else (the implementation failing, say) keeps the engine's verdict
        pass
    return result


class WorkerContext:
    """A prepared run plus per-process caches of scopes (built on first use)."""

    def __init__(self, prepared: Prepared, options: RunOptions):
        self.prepared = prepared
        self.options = options
        self._scopes: dict[int, tuple[Scope, Scope, dict[str, Any]]] = {}

    def __getstate__(self) -> dict:
        # Scopes hold callables: a spawned worker resolves its own from the binding spec.
        return {"prepared": self.prepared, "options": self.options, "_scopes": {}}

    def scopes(self, contract_index: int) -> tuple[Scope, Scope, dict[str, Any]]:
        if contract_index not in self._scopes:
            planned = self.prepared.contracts[contract_index]
            contract = planned.contract
            deps = dependency_contracts(contract, self.prepared.contract_set)
            impls = resolve_symbols(contract, self.prepared.bindings,
                                    needed=symbols_needed(contract, planned.checks))
            machines = machine_targets(contract) if any(c.kind == "state_machine" for c in planned.checks) else {}
            self._scopes[contract_index] = (implementation_scope(contract, impls, deps),
                                            spec_scope(contract, deps), machines)
        return self._scopes[contract_index]

    def check(self, task: tuple[int, int]) -> Check:
        contract_index, check_index = task
        return self.prepared.contracts[contract_index].checks[check_index]

    def run(self, task: tuple[int, int]) -> CheckResult:
        check = self.check(task)
        try:
            impl, spec, machines = self.scopes(task[0])
        except Exception as exc:  # noqa: BLE001 - bindings were checked up front; a worker may still differ
            return error_result(check, f"cannot resolve the bindings in this process: {exc}",
                                error=traceback.format_exc())
        return execute_check(check, impl, spec, self.options, machine=machines.get(check.state_machine or ""))
