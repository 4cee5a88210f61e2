"""The falsifiability audit: run every mutant of the bug zoo against the checks it can reach.

For each contract: plan its checks, find and validate its mutants
(:mod:`.resolve`), run the *baseline* (the real binding) of every check the
audit uses, then each mutant against only the checks that call a symbol it
rebinds (any other check runs the same code as the baseline, so its verdict
cannot change).  Units of all contracts share one worker pool (``--jobs``).
The result is each contract's audit document (:mod:`.matrix`), attached to
its :class:`ContractRun` so every report renders it.

Two entry points:

* :func:`audit_paths` — ``kvcontract audit``: loads contracts and bindings,
  runs baseline and mutants, returns a :class:`RunResult` whose gates hold the
  baseline of the audited checks;
* :func:`attach_audit` — ``kvcontract check --audit``: reuses a finished
  run's verdicts as the baseline and fills ``ContractRun.audit`` in place.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..bind.binding import BindingSet, load_binding_files, parse_bind_overrides, resolve_symbols, symbols_needed
from ..bind.project import load_project_config
from ..contract.model import Contract
from ..diagnostics import BadInput, Diagnostic, SourcePos
from ..engines.options import RunOptions
from ..plan.model import Check
from ..plan.planner import plan_contract
from ..verdicts.model import CheckResult, ContractRun, GateResult, RunResult
from .execute import AuditUnit, dependencies_of, run_units
from .matrix import MutantOutcome, build_audit
from .resolve import MutantPlan, load_mutants_for, merged_bindings, plan_mutants

__all__ = ["AuditPlan", "prepare_audit", "audit_paths", "attach_audit", "load_bindings", "SIDE_EXAMPLES"]

# Hypothesis budget of a matrix cell whose check the mutant does not name in killed_by.  Such a
# cell can only add a kill; fewer examples can only make the audit stricter (a test that kills
# nothing, a survivor), never let it pass.  The named killers always get the full budget.
SIDE_EXAMPLES = 200


@dataclass
class AuditPlan:
    """Everything the audit will run, decided before anything runs."""

    contracts: list[Contract]
    contract_set: Any
    bindings: BindingSet
    checks: dict[str, list[Check]]  # contract id -> planned checks, plan order
    mutants: dict[str, list[MutantPlan]]  # contract id -> its mutants, file order
    state: dict[str, tuple[Contract, list[Contract], dict[str, Check]]] = field(default_factory=dict)

    def audited_checks(self, contract_id: str) -> list[str]:
        """Checks the audit needs a baseline for: every check some mutant reaches, and every test."""
        reached = {cid for plan in self.mutants[contract_id] for cid in plan.checks}
        tests = set(self.falsification_tests(contract_id))
        return [c.id for c in self.checks[contract_id] if c.id in reached or c.id in tests]

    def falsification_tests(self, contract_id: str) -> list[str]:
        """Ids of the contract's falsification tests that were planned (they must each kill a mutant)."""
        contract = next(c for c in self.contracts if c.id == contract_id)
        planned = {c.id for c in self.checks[contract_id]}
        return [t.id for t in contract.falsification_tests if t.id in planned]


def load_bindings(options: RunOptions, start: str) -> BindingSet:
    """``--binding`` files (else the project's defaults) then ``--bind`` overrides."""
    files = list(options.binding_files) or load_project_config(start).default_bindings()
    bindings = load_binding_files(files)
    if options.bind_overrides:
        overrides = parse_bind_overrides(options.bind_overrides)
        bindings = bindings.merged(overrides, ["--bind"])
    return bindings


def _load_contracts(paths: Sequence[str], search_path: Sequence[str]) -> tuple[list[Contract], Any]:
    from ..contract.repository import load_set
    from ..contract.validate import validate

    contract_set = load_set(paths, search_path=search_path)
    errors = [d for d in contract_set.diagnostics if d.severity == "error"]
    errors += [d for d in validate(contract_set) if d.severity == "error" and d.code != "KV404"]
    if errors:
        raise BadInput(errors)
    contracts = list(contract_set.requested_contracts())
    if not contracts:
        raise BadInput(Diagnostic("KV102", "no contract files found", SourcePos(", ".join(paths) or ".")))
    return contracts, contract_set


def prepare_audit(paths: Sequence[str], *, options: RunOptions, mutant_files: Sequence[str] = (),
                  search_path: Sequence[str] = (), contracts: Sequence[Contract] | None = None,
                  contract_set: Any = None, bindings: BindingSet | None = None) -> AuditPlan:
    """Load, plan and validate everything; raises :class:`BadInput` (exit 2) before anything runs."""
    if contracts is None:
        contracts, contract_set = _load_contracts(paths, search_path)
    contracts = list(contracts)
    if bindings is None:
        bindings = load_bindings(options, contracts[0].path if contracts else ".")
    mutants_by_contract = load_mutants_for(contracts, mutant_files)
    checks: dict[str, list[Check]] = {}
    plans: dict[str, list[MutantPlan]] = {}
    diags: list[Diagnostic] = []
    state: dict[str, tuple[Contract, list[Contract], dict[str, Check]]] = {}
    for contract in contracts:
        planned = plan_contract(contract, contract_set, options=options)
        checks[contract.id] = planned
        state[contract.id] = (contract, dependencies_of(contract, contract_set), {c.id: c for c in planned})
        try:  # the real binding must resolve first, exactly as `kvcontract check` demands
            resolve_symbols(contract, bindings, needed=symbols_needed(contract, planned))
        except BadInput as bad:
            diags.extend(bad.diagnostics)
            continue
        try:
            plans[contract.id] = plan_mutants(contract, mutants_by_contract.get(contract.id, ()), planned, bindings)
        except BadInput as bad:
            diags.extend(bad.diagnostics)
    if diags:
        raise BadInput(diags)
    return AuditPlan(contracts, contract_set, bindings, checks, plans, state)


def _mutant_units(plan: AuditPlan, *, full_matrix: bool = False) -> list[AuditUnit]:
    units = []
    for contract in plan.contracts:
        for mplan in plan.mutants[contract.id]:
            bindings = merged_bindings(plan.bindings, mplan)
            # Expected killers first: with a shared pool the quick kills land early.
            order = [c for c in mplan.mutant.killed_by if c in mplan.checks]
            order += [c for c in mplan.checks if c not in order]
            units.extend(AuditUnit(contract.id, cid, bindings, mplan.mutant.id,
                                   None if full_matrix or cid in mplan.mutant.killed_by else SIDE_EXAMPLES)
                         for cid in order)
    return units


def _audits(plan: AuditPlan, units: Sequence[AuditUnit], results: Sequence[CheckResult],
            baseline: Mapping[str, Mapping[str, CheckResult]]) -> dict[str, dict]:
    by_mutant: dict[tuple[str, str], dict[str, CheckResult]] = {}
    for unit, result in zip(units, results):
        if unit.mutant_id is not None:
            by_mutant.setdefault((unit.contract_id, unit.mutant_id), {})[unit.check_id] = result
    audits = {}
    for contract in plan.contracts:
        order = [c.id for c in plan.checks[contract.id]]
        outcomes = []
        for mplan in plan.mutants[contract.id]:
            got = by_mutant.get((contract.id, mplan.mutant.id), {})
            outcomes.append(MutantOutcome(
                id=mplan.mutant.id, description=mplan.mutant.description, symbols=list(mplan.mutant.symbols),
                expected_killers=list(mplan.mutant.killed_by),
                results={cid: got[cid] for cid in order if cid in got}))
        audited = set(plan.audited_checks(contract.id))
        base = {cid: res for cid, res in baseline.get(contract.id, {}).items() if cid in audited}
        missing = [f"baseline: {cid} did not run" for cid in plan.audited_checks(contract.id) if cid not in base]
        audits[contract.id] = build_audit(outcomes, check_order=order,
                                          falsification_tests=plan.falsification_tests(contract.id),
                                          baseline=base, extra_problems=missing)
    return audits


def audit_paths(paths: Sequence[str], *, options: RunOptions, mutant_files: Sequence[str] = (),
                search_path: Sequence[str] = (), command: Sequence[str] = (), full_matrix: bool = False,
                progress: Callable[[AuditUnit, CheckResult], None] | None = None) -> RunResult:
    """``kvcontract audit``: the baseline of every audited check, then every mutant."""
    from ..report.result import tool_versions

    plan = prepare_audit(paths, options=options, mutant_files=mutant_files, search_path=search_path)
    base_units = [AuditUnit(c.id, cid, plan.bindings) for c in plan.contracts for cid in plan.audited_checks(c.id)]
    units = base_units + _mutant_units(plan, full_matrix=full_matrix)
    results = run_units(units, plan.state, options, jobs=_jobs(options), progress=progress)
    baseline: dict[str, dict[str, CheckResult]] = {}
    for unit, result in zip(base_units, results):
        baseline.setdefault(unit.contract_id, {})[unit.check_id] = result
    audits = _audits(plan, units, results, baseline)
    runs = []
    for contract in plan.contracts:
        checks = [baseline.get(contract.id, {})[cid] for cid in plan.audited_checks(contract.id)
                  if cid in baseline.get(contract.id, {})]
        gate = contract.gate
        gate_result = GateResult.decide(contract.id, gate.id if gate else "", gate.name if gate else contract.id,
                                        checks, gate.pass_criteria if gate else "")
        runs.append(ContractRun(contract.id, contract.path, gate_result, audits[contract.id]))
    return RunResult(tool=tool_versions(), command=list(command), seed=options.seed,
                     options=_options_json(options, mutant_files), contracts=runs)


def attach_audit(run: RunResult, *, paths: Sequence[str], options: RunOptions, mutant_files: Sequence[str] = (),
                 search_path: Sequence[str] = (), contracts: Sequence[Contract] | None = None,
                 contract_set: Any = None, bindings: BindingSet | None = None, full_matrix: bool = False,
                 progress: Callable[[AuditUnit, CheckResult], None] | None = None) -> RunResult:
    """``kvcontract check --audit``: the finished run is the baseline; fills each ``ContractRun.audit``."""
    plan = prepare_audit(paths, options=options, mutant_files=mutant_files, search_path=search_path,
                         contracts=contracts, contract_set=contract_set, bindings=bindings)
    baseline = {crun.contract: {res.check_id: res for res in crun.checks} for crun in run.contracts}
    units = _mutant_units(plan, full_matrix=full_matrix)
    results = run_units(units, plan.state, options, jobs=_jobs(options), progress=progress)
    audits = _audits(plan, units, results, baseline)
    for crun in run.contracts:
        if crun.contract in audits:
            crun.audit = audits[crun.contract]
    return run


def _jobs(options: RunOptions) -> int:
    return options.jobs if options.jobs is not None else (os.cpu_count() or 1)


def _options_json(options: RunOptions, mutant_files: Sequence[str]) -> dict:
    data = options.to_json()
    for key, value in list(data.items()):
        if isinstance(value, tuple):
            data[key] = list(value)
    data["mutant_files"] = list(mutant_files)
    data["audit"] = True
    return data
