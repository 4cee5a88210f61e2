"""Everything ``kvcontract check`` does before the first check runs, all of it fail-fast.

Load the contracts (and what they depend on), validate them, read the
bindings, plan every check, and resolve every symbol a check needs.  Any
problem is a :class:`BadInput` (exit 2) listing every diagnostic at once; a
contract whose checks are all prose is bad input too, since a gate over
nothing would be a pass over nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from ..bind.binding import (
    BindingSet,
    load_binding_files,
    machine_targets,
    parse_bind_overrides,
    resolve_symbols,
    symbols_needed,
)
from ..bind.project import ProjectConfig, load_project_config
from ..contract.model import Contract
from ..contract.repository import ContractSet, load_set
from ..contract.validate import validate
from ..diagnostics import BadInput, Diagnostic, SourcePos, did_you_mean
from ..engines.options import RunOptions
from ..plan.model import Check
from ..plan.planner import is_executable, plan_contract

__all__ = ["PlannedContract", "Prepared", "prepare_run", "binding_files_for"]


@dataclass(frozen=True)
class PlannedContract:
    contract: Contract
    checks: tuple[Check, ...]  # after --only
    planned: int  # how many checks the contract has in all


@dataclass(frozen=True)
class Prepared:
    """The picklable input of a run: workers rebuild their implementation scopes from it."""

    contract_set: ContractSet
    contracts: tuple[PlannedContract, ...]
    bindings: BindingSet
    warnings: tuple[Diagnostic, ...] = ()

    def tasks(self) -> list[tuple[int, int]]:
        """(contract index, check index) of every check, in plan order."""
        return [(ci, k) for ci, planned in enumerate(self.contracts) for k in range(len(planned.checks))]


def binding_files_for(options: RunOptions, project: ProjectConfig) -> list[str]:
    return list(options.binding_files) if options.binding_files else project.default_bindings()


def _errors(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity == "error"]


def prepare_run(paths: Iterable[str], options: RunOptions) -> Prepared:
    """Load, validate, bind and plan; raises ``BadInput`` with every problem found."""
    paths = [str(p) for p in paths]
    start = paths[0] if paths else os.getcwd()
    project = load_project_config(start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)))
    contract_set = load_set(paths, search_path=options.search_path)
    if not contract_set.requested:
        errors = _errors(contract_set.diagnostics)
        raise BadInput(errors or [Diagnostic("KV701", "no contract files found", SourcePos(", ".join(paths) or "."))])
    rule_diags = validate(contract_set)
    errors = _errors([*contract_set.diagnostics, *rule_diags])
    if errors:
        raise BadInput(errors)
    warnings = tuple(d for d in (*contract_set.diagnostics, *rule_diags) if d.severity == "warning")

    bindings = load_binding_files(binding_files_for(options, project))
    bindings = bindings.merged(parse_bind_overrides(options.bind_overrides), ["--bind"] if options.bind_overrides else [])

    diags: list[Diagnostic] = []
    planned: list[PlannedContract] = []
    all_ids: list[str] = []
    for contract in contract_set.requested_contracts():
        checks = plan_contract(contract, contract_set, options=options)
        all_ids.extend(c.id for c in checks)
        if not any(is_executable(c) for c in checks):
            diags.append(Diagnostic(
                "KV702", f"contract '{contract.id}' has nothing executable: {len(checks)} check(s) planned, "
                         f"every one of them prose", contract.metadata.pos,
                hint="give obligations a machine-checkable 'check:' and equations a formula that parses"))
            continue
        selected = [c for c in checks if not options.only or c.id in options.only]
        if not selected:
            continue
        try:
            resolve_symbols(contract, bindings, needed=symbols_needed(contract, selected))
            if any(c.kind == "state_machine" for c in selected):
                machine_targets(contract)
        except BadInput as exc:
            diags.extend(exc.diagnostics)
            continue
        planned.append(PlannedContract(contract, tuple(selected), len(checks)))
    for wanted in options.only:
        if wanted not in all_ids:
            hint = did_you_mean(wanted, all_ids)
            diags.append(Diagnostic("KV703", f"--only {wanted}: no such check in the given contracts",
                                    SourcePos(f"--only {wanted}"), hint=hint))
    if diags:
        raise BadInput(diags)
    return Prepared(contract_set, tuple(planned), bindings, warnings)
