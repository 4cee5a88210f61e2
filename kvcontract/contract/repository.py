"""Find contract files, load them together, and resolve ``depends_on``.

A :class:`ContractSet` holds every contract given on the command line plus
every contract they depend on (found as ``<id>.yaml``/``<id>.yml`` in the
depending contract's directory, then in the extra search directories), the
dependency graph both ways, and the load diagnostics of every file.  The
rules about the set (unresolved or cyclic dependencies, duplicate ids) live in
:mod:`kvcontract.contract.validate`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from ..diagnostics import Diagnostic, SourcePos
from .load import load_with_diagnostics
from .model import Contract

__all__ = ["ContractSet", "discover", "load_set", "find_contract_file"]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ContractSet:
    contracts: Mapping[str, Contract] = field(default_factory=dict)  # by id, sorted by id
    requested: tuple[str, ...] = ()  # ids of the contracts named by the caller, in order
    diagnostics: tuple[Diagnostic, ...] = ()  # load diagnostics of every file read
    search_path: tuple[str, ...] = ()
    # ids of contracts that appear twice (same stem in two directories): the first one wins
    duplicates: tuple[Contract, ...] = ()

    def get(self, contract_id: str) -> Contract | None:
        return self.contracts.get(contract_id)

    def dependencies(self, contract_id: str) -> tuple[str, ...]:
        """Direct dependencies, as written (resolved or not)."""
        contract = self.contracts.get(contract_id)
        return contract.metadata.depends_on if contract else ()

    def dependents(self, contract_id: str) -> tuple[str, ...]:
        """Loaded contracts that list ``contract_id`` in ``depends_on``, sorted."""
        return tuple(sorted(cid for cid, c in self.contracts.items() if contract_id in c.metadata.depends_on))

    def closure(self, contract_id: str) -> tuple[Contract, ...]:
        """Every loaded contract ``contract_id`` depends on, transitively (itself excluded)."""
        seen: dict[str, Contract] = {}
        stack = list(self.dependencies(contract_id))
        while stack:
            dep = stack.pop()
            if dep in seen or dep == contract_id or dep not in self.contracts:
                continue
            seen[dep] = self.contracts[dep]
            stack.extend(self.dependencies(dep))
        return tuple(seen[k] for k in sorted(seen))

    def requested_contracts(self) -> tuple[Contract, ...]:
        return tuple(self.contracts[cid] for cid in self.requested if cid in self.contracts)


def discover(paths: Iterable[str]) -> list[str]:
    """Contract files named by ``paths``: files as given, directories' ``*.yaml``/``*.yml`` sorted.

    A path that does not exist is returned as is, so loading reports it.
    """
    found: list[str] = []
    for path in paths:
        path = str(path)
        if os.path.isdir(path):
            found.extend(
                os.path.join(path, name)
                for name in sorted(os.listdir(path))
                if name.endswith(_SUFFIXES) and os.path.isfile(os.path.join(path, name))
            )
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def find_contract_file(contract_id: str, directories: Iterable[str]) -> str | None:
    for directory in directories:
        for suffix in _SUFFIXES:
            candidate = os.path.join(directory, contract_id + suffix)
            if os.path.isfile(candidate):
                return candidate
    return None


def load_set(paths: Iterable[str], search_path: Iterable[str] = ()) -> ContractSet:
    """Load the contracts at ``paths`` and, transitively, what they depend on."""
    search = tuple(str(p) for p in search_path)
    contracts: dict[str, Contract] = {}
    duplicates: list[Contract] = []
    diagnostics: list[Diagnostic] = []
    requested: list[str] = []
    loaded_files: set[str] = set()

    def load(path: str) -> Contract | None:
        real = os.path.realpath(path)
        if real in loaded_files:
            return next((c for c in contracts.values() if os.path.realpath(c.path) == real), None)
        loaded_files.add(real)
        contract, diags = load_with_diagnostics(path)
        diagnostics.extend(diags)
        if contract is None:
            return None
        if contract.id in contracts:
            duplicates.append(contract)
            return contracts[contract.id]
        contracts[contract.id] = contract
        return contract

    queue: list[Contract] = []
    for path in discover(paths):
        contract = load(path)
        if contract is not None:
            requested.append(contract.id)
            queue.append(contract)
        elif not os.path.exists(path) and not any(d.pos.file == path for d in diagnostics):
            diagnostics.append(Diagnostic("KV102", "no such file", SourcePos(path)))
    while queue:
        contract = queue.pop(0)
        directories = (os.path.dirname(os.path.abspath(contract.path)), *search)
        for dep in contract.metadata.depends_on:
            if dep in contracts:
                continue
            found = find_contract_file(dep, directories)
            if found is not None:
                loaded = load(found)
                if loaded is not None and loaded.id == dep:
                    queue.append(loaded)
    ordered = {cid: contracts[cid] for cid in sorted(contracts)}
    return ContractSet(ordered, tuple(dict.fromkeys(requested)), tuple(diagnostics), search, tuple(duplicates))
