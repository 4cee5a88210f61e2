"""The falsifiability audit: every mutant of the bug zoo against the checks it can reach.

For each contract: prepare exactly as ``kvcontract check`` does (load,
validate, bind, plan; bad input is exit 2 before anything runs), find and
validate its mutants (:mod:`.resolve`), then run the *baseline* (every check
against the real binding) and each mutant against only the checks that call a
symbol it rebinds (any other check runs the same code as the baseline, so its
verdict cannot change).  All units share one worker pool (``--jobs``).  Each
contract's audit document (:mod:`.matrix`) is attached to its
:class:`ContractRun`, so every report renders it.

Entry points:

* :func:`audit_paths` — ``kvcontract audit``: the full gate plus the audit;
* :func:`attach_audit` — ``kvcontract check --audit``: a finished run's
  verdicts are the baseline; fills ``ContractRun.audit`` in place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ..diagnostics import BadInput, Diagnostic, SourcePos
from ..engines.options import RunOptions
from ..report.paths import display_path, display_paths
from ..report.result import tool_versions
from ..run.orchestrate import gate_for, recorded_options
from ..run.prepare import Prepared, prepare_run
from ..verdicts.model import CheckResult, ContractRun, RunResult
from .execute import AuditUnit, run_units
from .matrix import MutantOutcome, build_audit
from .resolve import MutantPlan, load_mutants_for, plan_mutants

__all__ = ["AuditPlan", "prepare_audit", "audit_paths", "attach_audit", "SIDE_EXAMPLES"]

# Hypothesis budget of a matrix cell whose check the mutant does not name in killed_by.  Such a
# cell can only add a kill; fewer examples can only make the audit stricter (a test that kills
# nothing, a survivor), never let it pass.  The named killers always get the full budget.
SIDE_EXAMPLES = 200

OnResult = Optional[Callable[[CheckResult], None]]


@dataclass(frozen=True)
class AuditPlan:
    """A prepared run plus each contract's validated mutants (same order as ``prepared.contracts``)."""

    prepared: Prepared
    mutants: tuple[tuple[MutantPlan, ...], ...]

    def falsification_tests(self, contract_index: int) -> list[str]:
        """Planned falsification tests of the contract: each must kill at least one mutant."""
        planned = self.prepared.contracts[contract_index]
        ids = {c.id for c in planned.checks}
        return [t.id for t in planned.contract.falsification_tests if t.id in ids]

    def audited_checks(self, contract_index: int) -> list[str]:
        """Checks whose baseline the audit relies on: those some mutant reaches, and every test."""
        reached = {cid for plan in self.mutants[contract_index] for cid in plan.checks}
        reached.update(self.falsification_tests(contract_index))
        return [c.id for c in self.prepared.contracts[contract_index].checks if c.id in reached]


def prepare_audit(paths: Sequence[str], *, options: RunOptions, mutant_files: Sequence[str] = (),
                  prepared: Prepared | None = None) -> AuditPlan:
    """Prepare the run and validate every mutant; raises :class:`BadInput` (exit 2) before anything runs."""
    if options.only:
        raise BadInput(Diagnostic("KV820", "the audit runs every check; --only would leave mutants unchecked",
                                  SourcePos("--only")))
    if prepared is None:
        prepared = prepare_run(paths, options)
    contracts = [planned.contract for planned in prepared.contracts]
    found = load_mutants_for(contracts, mutant_files)
    diags: list[Diagnostic] = []
    plans: list[tuple[MutantPlan, ...]] = []
    for planned in prepared.contracts:
        try:
            plans.append(tuple(plan_mutants(planned.contract, found.get(planned.contract.id, ()),
                                            list(planned.checks), prepared.bindings)))
        except BadInput as bad:
            diags.extend(bad.diagnostics)
            plans.append(())
    if diags:
        raise BadInput(diags)
    return AuditPlan(prepared, tuple(plans))


def _mutant_units(plan: AuditPlan, full_matrix: bool) -> list[AuditUnit]:
    units = []
    for ci, planned in enumerate(plan.prepared.contracts):
        index_of = {check.id: k for k, check in enumerate(planned.checks)}
        for mi, mplan in enumerate(plan.mutants[ci]):
            # Named killers first: in a shared pool the quick kills land early.
            order = [c for c in mplan.mutant.killed_by if c in mplan.checks]
            order += [c for c in mplan.checks if c not in order]
            for cid in order:
                side = not full_matrix and cid not in mplan.mutant.killed_by
                units.append(AuditUnit(ci, index_of[cid], mi, SIDE_EXAMPLES if side else None))
    return units


def _audit_documents(plan: AuditPlan, units: Sequence[AuditUnit], results: Sequence[CheckResult],
                     baseline: Sequence[dict[str, CheckResult]]) -> list[dict]:
    cells: dict[tuple[int, int], dict[str, CheckResult]] = {}
    for unit, result in zip(units, results):
        if unit.mutant_index is not None:
            cells.setdefault((unit.contract_index, unit.mutant_index), {})[result.check_id] = result
    documents = []
    for ci, planned in enumerate(plan.prepared.contracts):
        order = [c.id for c in planned.checks]
        outcomes = []
        for mi, mplan in enumerate(plan.mutants[ci]):
            got = cells.get((ci, mi), {})
            outcomes.append(MutantOutcome(
                id=mplan.mutant.id, description=mplan.mutant.description, symbols=list(mplan.mutant.symbols),
                expected_killers=list(mplan.mutant.killed_by), results={c: got[c] for c in order if c in got}))
        audited = plan.audited_checks(ci)
        base = {cid: res for cid, res in baseline[ci].items() if cid in audited}
        missing = [f"baseline: {cid} did not run" for cid in audited if cid not in base]
        documents.append(build_audit(outcomes, check_order=order, falsification_tests=plan.falsification_tests(ci),
                                     baseline=base, extra_problems=missing))
    return documents


def audit_paths(paths: Sequence[str], *, options: RunOptions, mutant_files: Sequence[str] = (),
                command: Sequence[str] = (), full_matrix: bool = False, on_result: OnResult = None) -> RunResult:
    """``kvcontract audit``: every check against the real binding (the gate), then every mutant."""
    plan = prepare_audit(paths, options=options, mutant_files=mutant_files)
    prepared = plan.prepared
    base_units = [AuditUnit(ci, k) for ci, planned in enumerate(prepared.contracts) for k in range(len(planned.checks))]
    units = base_units + _mutant_units(plan, full_matrix)
    results = run_units(prepared, options, plan.mutants, units, on_result=on_result)
    gate_results: list[list[CheckResult]] = [[] for _ in prepared.contracts]
    for unit, result in zip(base_units, results):
        gate_results[unit.contract_index].append(result)
    baseline = [{res.check_id: res for res in checks} for checks in gate_results]
    documents = _audit_documents(plan, units, results, baseline)
    runs = []
    for planned, checks, document in zip(prepared.contracts, gate_results, documents):
        contract = planned.contract
        runs.append(ContractRun(contract.id, display_path(contract.path), gate_for(planned, checks), document))
    recorded = recorded_options(options, prepared)
    recorded.update(mutant_files=display_paths(list(mutant_files)), audit=True, full_matrix=full_matrix)
    return RunResult(tool=tool_versions(), command=list(command) or ["kvcontract", "audit", *paths],
                     seed=options.seed, options=recorded, contracts=runs)


def attach_audit(run: RunResult, *, options: RunOptions, paths: Sequence[str] = (),
                 mutant_files: Sequence[str] = (), prepared: Prepared | None = None, full_matrix: bool = False,
                 on_result: OnResult = None) -> RunResult:
    """``kvcontract check --audit``: ``run`` (already finished) is the baseline; fills each ``ContractRun.audit``.

    Pass the run's own ``prepared`` to skip preparing again.
    """
    plan = prepare_audit(paths, options=options, mutant_files=mutant_files, prepared=prepared)
    by_contract = {crun.contract: {res.check_id: res for res in crun.checks} for crun in run.contracts}
    baseline = [by_contract.get(planned.contract.id, {}) for planned in plan.prepared.contracts]
    units = _mutant_units(plan, full_matrix)
    results = run_units(plan.prepared, options, plan.mutants, units, on_result=on_result)
    documents = _audit_documents(plan, units, results, baseline)
    for planned, document in zip(plan.prepared.contracts, documents):
        for crun in run.contracts:
            if crun.contract == planned.contract.id:
                crun.audit = document
    run.options["audit"] = True
    return run
