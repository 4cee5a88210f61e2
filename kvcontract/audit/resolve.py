"""Find each contract's mutants and check them against the contract, before anything runs.

Where a contract's mutants come from, first match wins:

1. ``--mutants FILE`` (repeatable): only those files are read;
2. the contract's ``mutants:`` key, a path relative to the contract file that
   must stay inside the contract's project root (KV813): the file names
   ``module:attr`` targets the audit imports, and contract text must not
   choose code from anywhere on disk;
3. ``harnesses/mutants/<contract-id>.yaml`` under the project root (the
   directory with ``pyproject.toml``, where the default binding lives too).

Each mutant is then checked against the contract and its planned checks: every
rebound symbol must be declared by the contract (KV811), every ``killed_by``
id must be a planned check (KV812), and every target must import and be
callable with the symbol's parameters (binding codes KV611-KV614, at the
mutant file's ``file:line:col``).  All problems are reported at once as
:class:`BadInput` (exit 2).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..bind.binding import BindingEntry, BindingSet, resolve_symbols
from ..bind.project import find_project_root
from ..contract.model import Contract
from ..diagnostics import BadInput, Diagnostic, SourcePos, did_you_mean
from ..plan.model import Check
from .mutant_file import Mutant, MutantFile, load_mutant_file

__all__ = [
    "DEFAULT_MUTANT_DIR",
    "MutantPlan",
    "mutant_file_for",
    "outside_project",
    "load_mutants_for",
    "plan_mutants",
    "affected_checks",
    "merged_bindings",
]

DEFAULT_MUTANT_DIR = os.path.join("harnesses", "mutants")


@dataclass(frozen=True)
class MutantPlan:
    """One mutant ready to run: its binding overrides and the checks that can see it."""

    mutant: Mutant
    overrides: tuple[BindingEntry, ...]
    checks: tuple[str, ...]  # ids of the planned checks that call a rebound symbol, in plan order


def _mutants_key_pos(contract: Contract) -> SourcePos:
    """Where the contract's ``mutants:`` key is (the model keeps only its value)."""
    try:
        with open(contract.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if re.match(r"^mutants\s*:", line):
                    return SourcePos(contract.path, number, 1)
    except OSError:
        pass
    return SourcePos(contract.path)


def mutant_file_for(contract: Contract) -> tuple[str, SourcePos | None]:
    """The mutant file of ``contract`` (rules 2 and 3 above) and where it was named, if anywhere."""
    if contract.mutants:
        base = os.path.dirname(os.path.abspath(contract.path))
        return os.path.normpath(os.path.join(base, contract.mutants)), _mutants_key_pos(contract)
    root = find_project_root(os.path.dirname(os.path.abspath(contract.path)))
    return os.path.join(root, DEFAULT_MUTANT_DIR, f"{contract.id}.yaml"), None


def outside_project(contract: Contract, path: str) -> str | None:
    """The project root when ``path`` (a file named by ``mutants:``) resolves outside it, else None.

    The root is the directory holding ``pyproject.toml`` (or ``.git``) above
    the contract, else the parent of a ``contracts/`` directory, else the
    contract's own directory.  Symbolic links are resolved on both sides.
    """
    root = os.path.realpath(find_project_root(os.path.dirname(os.path.abspath(contract.path))))
    target = os.path.realpath(path)
    return None if os.path.commonpath([root, target]) == root else root


def load_mutants_for(contracts: Sequence[Contract], mutant_files: Sequence[str] = ()) -> dict[str, tuple[Mutant, ...]]:
    """Contract id -> its mutants, from ``mutant_files`` or each contract's own file.

    A contract without any mutant file gets an empty tuple (the audit reports
    it); a named file that does not exist or does not parse is ``BadInput``.
    A mutant file that names a contract not being audited is ignored: one
    file may hold the zoo of several contracts.
    """
    diags: list[Diagnostic] = []
    files: list[MutantFile] = []
    if mutant_files:
        for path in mutant_files:
            try:
                files.append(load_mutant_file(path))
            except BadInput as bad:
                diags.extend(bad.diagnostics)
    else:
        seen: set[str] = set()
        for contract in contracts:
            path, named_at = mutant_file_for(contract)
            if path in seen:
                continue
            seen.add(path)
            root = outside_project(contract, path) if named_at is not None else None
            if root is not None:
                diags.append(Diagnostic("KV813", f"mutant file '{contract.mutants}' resolves to {path}, outside "
                                                 f"the project root {root}", named_at,
                                        hint="keep mutant files under the project (harnesses/mutants/), or "
                                             "pass a file you trust with --mutants FILE"))
                continue
            if not os.path.exists(path):
                if named_at is not None:
                    diags.append(Diagnostic("KV810", f"mutant file '{contract.mutants}' does not exist ({path})",
                                            named_at))
                continue
            try:
                files.append(load_mutant_file(path))
            except BadInput as bad:
                diags.extend(bad.diagnostics)
    if diags:
        raise BadInput(diags)
    out: dict[str, list[Mutant]] = {contract.id: [] for contract in contracts}
    ids: dict[str, SourcePos] = {}
    for mfile in files:
        for contract_id, mutants in mfile.contracts.items():
            if contract_id not in out:
                continue
            for mutant in mutants:
                if mutant.id in ids and ids[mutant.id] != mutant.pos:
                    diags.append(Diagnostic("KV804", f"duplicate mutant id '{mutant.id}' (also at {ids[mutant.id]})",
                                            mutant.pos))
                    continue
                ids[mutant.id] = mutant.pos
                out[contract_id].append(mutant)
    if diags:
        raise BadInput(diags)
    return {cid: tuple(ms) for cid, ms in out.items()}


def affected_checks(checks: Iterable[Check], symbols: Iterable[str]) -> tuple[str, ...]:
    """Checks whose verdict a rebinding of ``symbols`` can change.

    A check that calls none of them runs the same code as the baseline, so its
    verdict cannot change.  A state machine receives every binding of its
    contract, so it is always affected.
    """
    rebound = set(symbols)
    return tuple(check.id for check in checks
                 if check.kind == "state_machine" or rebound & set(check.needs_symbols))


def plan_mutants(contract: Contract, mutants: Sequence[Mutant], checks: Sequence[Check],
                 bindings: BindingSet) -> list[MutantPlan]:
    """Check every mutant of ``contract`` against it and its plan; raises ``BadInput`` with all problems."""
    diags: list[Diagnostic] = []
    check_ids = [check.id for check in checks]
    plans: list[MutantPlan] = []
    for mutant in mutants:
        ok = True
        for symbol, pos in ((s, mutant.symbol_pos.get(s, mutant.pos)) for s in mutant.bind):
            if symbol not in contract.symbols:
                diags.append(Diagnostic("KV811", f"mutant {mutant.id} rebinds '{symbol}', which contract "
                                                 f"'{contract.id}' does not declare", pos,
                                        hint=did_you_mean(symbol, contract.symbols)))
                ok = False
        symbols_ok = ok
        positions = mutant.killed_by_pos or (mutant.pos,) * len(mutant.killed_by)
        for check_id, pos in zip(mutant.killed_by, positions):
            if check_id not in check_ids:
                diags.append(Diagnostic("KV812", f"mutant {mutant.id}: '{check_id}' is not a check of contract "
                                                 f"'{contract.id}'", pos,
                                        hint=did_you_mean(check_id, check_ids)
                                        or f"checks: {', '.join(check_ids)}"))
                ok = False
        overrides = tuple(BindingEntry(contract.id, symbol, target, mutant.bind_pos.get(symbol, mutant.pos),
                                       find_project_root(os.path.dirname(os.path.abspath(mutant.pos.file))))
                          for symbol, target in mutant.bind.items())
        if symbols_ok:
            try:  # import now: a broken target is bad input, not a kill
                resolve_symbols(contract, BindingSet().merged(overrides), needed=())
            except BadInput as bad:
                diags.extend(bad.diagnostics)
                ok = False
        if ok:
            plans.append(MutantPlan(mutant, overrides, affected_checks(checks, mutant.bind)))
    if diags:
        raise BadInput(diags)
    return plans


def merged_bindings(bindings: BindingSet, plan: MutantPlan) -> BindingSet:
    """The baseline bindings with the mutant's symbols replaced."""
    return bindings.merged(plan.overrides, [plan.mutant.pos.file])

