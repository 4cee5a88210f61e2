"""Run (check, bindings) units of the audit, in worker processes, each under a time limit.

A unit is one planned check against one binding set: the real binding (the
baseline) or the real binding with a mutant's symbols replaced.  Units are
picklable (ids and a :class:`BindingSet`, no callables); each worker loads the
contracts once and resolves its own callables.  Every unit ends with a
:class:`CheckResult`: an exception of kvcontract itself or a unit past its time
limit is an ERROR, never a missing cell.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..bind.binding import BindingSet, resolve_symbols
from ..bind.scope import dependency_contracts, implementation_scope
from ..contract.model import Contract
from ..diagnostics import BadInput
from ..engines.options import RunOptions
from ..plan.model import Check
from ..verdicts.model import CheckResult, Verdict

__all__ = ["AuditUnit", "run_units", "run_one_check", "dependencies_of"]


@dataclass(frozen=True)
class AuditUnit:
    contract_id: str
    check_id: str
    bindings: BindingSet
    mutant_id: str | None = None  # None: the baseline
    max_examples: int | None = None  # a smaller Hypothesis budget for this unit (side cells of the matrix)


# Per-process state: contract id -> (contract, dependencies, check id -> Check).
_STATE: dict[str, tuple[Contract, list[Contract], dict[str, Check]]] = {}
_OPTIONS: RunOptions = RunOptions()


def _install(state: Mapping[str, tuple[Contract, list[Contract], dict[str, Check]]], options: RunOptions) -> None:
    global _OPTIONS
    _STATE.clear()
    _STATE.update(state)
    _OPTIONS = options


def run_one_check(check: Check, contract: Contract, dependencies: Sequence[Contract], bindings: BindingSet,
                  options: RunOptions) -> CheckResult:
    """One check of ``contract`` against ``bindings`` through the run pipeline's engines."""
    try:
        impls = resolve_symbols(contract, bindings, needed=check.needs_symbols)
    except BadInput as bad:
        return _error(check, "binding: " + "; ".join(d.message for d in bad.diagnostics))
    scope = implementation_scope(contract, impls, dependencies)
    return _dispatch(check, contract, scope, impls, options)


def _dispatch(check: Check, contract: Contract, scope: Any, impls: Mapping[str, Any], options: RunOptions) -> CheckResult:
    """The engine of ``check.kind``: the run pipeline's own dispatcher when it provides one."""
    try:
        from ..run import run_check  # type: ignore[attr-defined]
    except ImportError:
        run_check = None
    if run_check is not None:
        return run_check(check, scope=scope, impls=impls, contract=contract, options=options)
    if check.kind == "state_machine":
        from ..engines.state_machine import run_state_machine

        return run_state_machine(check, scope, options)
    if check.kind == "harness":
        from ..engines.bounded import run_harness

        return run_harness(check, scope, timeout_ms=options.z3_timeout_ms, seed=options.seed)
    if check.engine == "z3":
        from ..engines.prove import run_proof

        return run_proof(check, scope, timeout_ms=options.z3_timeout_ms, seed=options.seed)
    from ..engines.falsify import run_falsification

    return run_falsification(check, scope, options)


def _error(check: Check, detail: str, error: str | None = None) -> CheckResult:
    return CheckResult(check_id=check.id, kind=check.kind, contract=check.contract_id, verdict=Verdict.ERROR,
                       obligation=check.obligation_id, engine=check.engine, detail=detail, error=error,
                       title=check.title)


class _UnitTimeout(BaseException):
    """Raised by the alarm inside a unit that ran past its limit (BaseException: engines must not swallow it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _UnitTimeout()


def _run_indexed(item: tuple[int, AuditUnit]) -> tuple[int, CheckResult]:
    index, unit = item
    return index, _run_unit(unit)


def _run_unit(unit: AuditUnit) -> CheckResult:
    contract, deps, checks = _STATE[unit.contract_id]
    check = checks[unit.check_id]
    started = time.monotonic()
    limit = _OPTIONS.timeout_s
    use_alarm = limit and threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    previous = signal.signal(signal.SIGALRM, _on_alarm) if use_alarm else None
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, float(limit))
        options = _OPTIONS
        if unit.max_examples is not None:
            options = replace(options, max_examples=min(unit.max_examples, options.max_examples_for(check)))
        result = run_one_check(check, contract, deps, unit.bindings, options)
    except _UnitTimeout:
        result = _error(check, f"timed out after {limit:g} s (--timeout)")
    except Exception as exc:  # noqa: BLE001 - the tool failed on this unit: ERROR, never a pass
        result = _error(check, f"kvcontract failed: {type(exc).__name__}: {exc}", traceback.format_exc())
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    if not result.seconds:
        result.seconds = time.monotonic() - started
    return result


def run_units(units: Sequence[AuditUnit], state: Mapping[str, tuple[Contract, list[Contract], dict[str, Check]]],
              options: RunOptions, *, jobs: int = 1,
              progress: Callable[[AuditUnit, CheckResult], None] | None = None) -> list[CheckResult]:
    """Every unit's result, in the order of ``units``; ``jobs > 1`` runs them in forked workers."""
    results: list[CheckResult | None] = [None] * len(units)
    if jobs <= 1 or len(units) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        _install(state, options)
        for index, unit in enumerate(units):
            results[index] = _run_unit(unit)
            if progress:
                progress(unit, results[index])
        return results  # type: ignore[return-value]
    # Fork: workers inherit the loaded contracts and imported modules instead of re-importing them.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=jobs, initializer=_install, initargs=(state, options)) as pool:
        for index, result in pool.imap_unordered(_run_indexed, list(enumerate(units)), chunksize=1):
            results[index] = result
            if progress:
                progress(units[index], result)
    return results  # type: ignore[return-value]


def dependencies_of(contract: Contract, contract_set: Any) -> list[Contract]:
    return dependency_contracts(contract, contract_set)

