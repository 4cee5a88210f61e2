"""``check_paths``: prepare, run every check, decide each contract's gate, build the Result.

The gate passes only on evidence for every check of the contract
(:meth:`GateResult.decide`).  A run narrowed with ``--only`` can never pass a
gate: the checks it left out have no evidence in this run.
"""
from __future__ import annotations

import os
from typing import Callable, Iterable, Optional, Sequence

from ..engines.options import RunOptions
from ..plan.planner import gate_requirements
from ..report.paths import display_path, display_paths
from ..report.result import tool_versions
from ..verdicts.model import CheckResult, ContractRun, GateResult, RunResult
from .execute import WorkerContext
from .pool import run_tasks
from .schedule import longest_first, share_result, shared_runs
from .prepare import Prepared, prepare_run

__all__ = ["check_paths", "run_prepared", "effective_jobs", "recorded_options", "gate_for"]

_PATH_OPTIONS = ("binding_files", "search_path", "report_dir", "junit_xml", "template")


def effective_jobs(options: RunOptions) -> int:
    return max(1, options.jobs if options.jobs is not None else (os.cpu_count() or 1))


def recorded_options(options: RunOptions, prepared: Prepared) -> dict:
    """The options a Result records; paths relative to the working directory, so any checkout writes the same."""
    recorded = options.to_json()
    recorded["jobs"] = effective_jobs(options)
    recorded["bindings"] = display_paths(list(prepared.bindings.files))
    for key in _PATH_OPTIONS:
        if key in recorded:
            recorded[key] = display_paths(recorded[key])
    return recorded


def gate_for(planned, results: list[CheckResult], only: bool = False) -> GateResult:
    """The gate decision for one planned contract (shared by ``check`` and ``audit``)."""
    contract = planned.contract
    gate = contract.gate
    decided = GateResult.decide(contract.id, gate.id if gate else "", gate.name if gate else contract.id,
                                results, gate.pass_criteria if gate else "",
                                required=gate_requirements(contract, planned.checks))
    left_out = planned.planned - len(planned.checks)
    if only and left_out:
        decided.passed = False
        decided.reasons.append(f"partial run (--only): {left_out} of {planned.planned} checks not run")
    return decided


def run_prepared(prepared: Prepared, options: RunOptions, *, command: Sequence[str] = (),
                 on_result: Optional[Callable[[CheckResult], None]] = None) -> RunResult:
    context = WorkerContext(prepared, options)
    tasks = prepared.tasks()
    checks = [context.check(task) for task in tasks]
    try:  # the implementation scopes, built before any worker forks (workers inherit them)
        owner = shared_runs([(task[0], check, context.scopes(task[0])[0]) for task, check in zip(tasks, checks)])
    except Exception:  # noqa: BLE001 - a binding that fails here fails again, per check, in the run
        owner = list(range(len(tasks)))
    unique = [i for i, o in enumerate(owner) if o == i]
    sharers: dict[int, list[int]] = {}
    for index, o in enumerate(owner):
        if o != index:
            sharers.setdefault(o, []).append(index)
    position = {index: k for k, index in enumerate(unique)}

    def report(result: CheckResult) -> None:
        if on_result is None:
            return
        on_result(result)
        for other in sharers.get(_index_of(result), []):
            on_result(share_result(result, checks[other]))

    def _index_of(result: CheckResult) -> int:
        return next(i for i in unique if checks[i].id == result.check_id and
                    checks[i].contract_id == result.contract)

    ran = run_tasks(context, [tasks[i] for i in unique], jobs=effective_jobs(options), timeout_s=options.timeout_s,
                    on_result=report, order=longest_first([checks[i] for i in unique], options))
    results = [ran[position[i]] if o == i else share_result(ran[position[o]], checks[i])
               for i, o in enumerate(owner)]
    by_contract: list[list[CheckResult]] = [[] for _ in prepared.contracts]
    for (contract_index, _), result in zip(tasks, results):
        by_contract[contract_index].append(result)
    contracts = [
        ContractRun(planned.contract.id, display_path(planned.contract.path),
                    gate_for(planned, res, bool(options.only)))
        for planned, res in zip(prepared.contracts, by_contract)
    ]
    recorded = recorded_options(options, prepared)
    return RunResult(tool=tool_versions(), command=list(command), seed=options.seed, options=recorded,
                     contracts=contracts)


def check_paths(paths: Iterable[str], *, options: RunOptions | None = None, command: Sequence[str] = (),
                on_result: Optional[Callable[[CheckResult], None]] = None) -> RunResult:
    """Check the contracts at ``paths``; raises ``BadInput`` (exit 2) before running anything."""
    options = options or RunOptions()
    paths = list(paths)
    prepared = prepare_run(paths, options)
    return run_prepared(prepared, options, command=command or ["kvcontract", "check", *paths],
                        on_result=on_result)
