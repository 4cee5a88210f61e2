"""Run the audit's (check, binding) units on the ``check`` pipeline's own worker pool.

A unit is one planned check against the real binding (the baseline) or
against the real binding with one mutant's symbols replaced.
:class:`AuditContext` is a :class:`~kvcontract.run.execute.WorkerContext`
whose tasks are units: the same engines (``execute_check``), the same pool
(forked workers, a worker killed at ``--timeout`` and its cell an ERROR), and
per-process caches of the implementation scope of each (contract, mutant).
Nothing unpicklable crosses a process boundary: units and mutant plans are
ids and binding entries; each worker imports the mutant modules itself.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, Sequence

from ..bind.binding import machine_targets, resolve_symbols, symbols_needed
from ..bind.scope import dependency_contracts, implementation_scope, spec_scope
from ..engines.options import RunOptions
from ..expr.scope import Scope
from ..plan.model import Check
from ..run.execute import WorkerContext, error_result, execute_check
from ..run.orchestrate import effective_jobs
from ..run.pool import run_tasks
from ..run.prepare import Prepared
from ..verdicts.model import CheckResult
from .resolve import MutantPlan

__all__ = ["AuditUnit", "AuditContext", "run_units"]


@dataclass(frozen=True)
class AuditUnit:
    contract_index: int  # into Prepared.contracts
    check_index: int  # into that PlannedContract's checks
    mutant_index: int | None = None  # into AuditContext.mutants[contract_index]; None: the baseline
    max_examples: int | None = None  # a smaller Hypothesis budget (side cells of the matrix)


class AuditContext(WorkerContext):
    """A prepared run whose tasks are ``(unit index, 0)``."""

    def __init__(self, prepared: Prepared, options: RunOptions, mutants: Sequence[Sequence[MutantPlan]],
                 units: Sequence[AuditUnit]):
        super().__init__(prepared, options)
        self.mutants = tuple(tuple(plans) for plans in mutants)
        self.units = tuple(units)
        self._mutant_scopes: dict[tuple[int, int], tuple[Scope, Scope, dict[str, Any]]] = {}

    def __getstate__(self) -> dict:
        # Scopes hold callables: a spawned worker resolves its own (mutant targets included).
        state = super().__getstate__()
        state.update(mutants=self.mutants, units=self.units, _mutant_scopes={})
        return state

    def unit(self, task: tuple[int, int]) -> AuditUnit:
        return self.units[task[0]]

    def check(self, task: tuple[int, int]) -> Check:
        unit = self.unit(task)
        return self.prepared.contracts[unit.contract_index].checks[unit.check_index]

    def mutant_scopes(self, contract_index: int, mutant_index: int) -> tuple[Scope, Scope, dict[str, Any]]:
        key = (contract_index, mutant_index)
        if key not in self._mutant_scopes:
            planned = self.prepared.contracts[contract_index]
            contract = planned.contract
            deps = dependency_contracts(contract, self.prepared.contract_set)
            bindings = self.prepared.bindings.merged(self.mutants[contract_index][mutant_index].overrides)
            impls = resolve_symbols(contract, bindings, needed=symbols_needed(contract, planned.checks))
            machines = machine_targets(contract) if any(c.kind == "state_machine" for c in planned.checks) else {}
            self._mutant_scopes[key] = (implementation_scope(contract, impls, deps), spec_scope(contract, deps),
                                        machines)
        return self._mutant_scopes[key]

    def run(self, task: tuple[int, int]) -> CheckResult:
        unit = self.unit(task)
        check = self.check(task)
        options = self.options
        if unit.max_examples is not None:
            options = replace(options, max_examples=min(unit.max_examples, options.max_examples_for(check)))
        try:
            if unit.mutant_index is None:
                impl, spec, machines = self.scopes(unit.contract_index)
            else:
                impl, spec, machines = self.mutant_scopes(unit.contract_index, unit.mutant_index)
        except Exception as exc:  # noqa: BLE001 - mutant targets were imported up front; a worker may differ
            return error_result(check, f"cannot resolve the bindings in this process: {exc}",
                                error=traceback.format_exc())
        return execute_check(check, impl, spec, options, machine=machines.get(check.state_machine or ""))


def run_units(prepared: Prepared, options: RunOptions, mutants: Sequence[Sequence[MutantPlan]],
              units: Sequence[AuditUnit], *,
              on_result: Optional[Callable[[CheckResult], None]] = None) -> list[CheckResult]:
    """Every unit's result, in the order of ``units``, on ``--jobs`` workers with ``--timeout`` per unit."""
    context = AuditContext(prepared, options, mutants, units)
    tasks = [(index, 0) for index in range(len(units))]
    return run_tasks(context, tasks, jobs=effective_jobs(options), timeout_s=options.timeout_s, on_result=on_result)
