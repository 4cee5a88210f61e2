"""Mutant files: the bug zoo as binding-style YAML, read with positions.

A mutant file is keyed by contract id; each contract lists its mutants::

    kv-cache-sizing-v1:
      - id: MUT-KV-001
        description: "Missing factor of 2 for K and V"
        bind: {kv_bytes: "harnesses.mutants.sizing:kv_bytes_no_factor_2"}
        killed_by: [FALSIFY-KV-001]

``bind`` overrides symbols of the contract's binding exactly as a later
``--binding`` file would; ``killed_by`` names the checks (falsification tests,
harnesses, ``CONFORM:``/``LAW:`` checks) that must kill it.  Like a binding
file, nothing here runs except the import of each ``module:attribute`` named
in ``bind``.

This module only reads the file's shape (codes KV801-KV807).  Whether the
contract exists, declares the symbols and has the named checks, and whether
the targets import, is :mod:`.resolve`'s job, because it needs the contract.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from ..diagnostics import BadInput, Diagnostic, SourcePos, did_you_mean
from ..contract.yaml_load import YMap, YNode, YScalar, YSeq, load_yaml

__all__ = ["Mutant", "MutantFile", "load_mutant_file", "MUTANT_KEYS"]

MUTANT_KEYS = ("id", "description", "bind", "killed_by", "notes")
_REQUIRED = ("id", "description", "bind", "killed_by")
_TARGET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True)
class Mutant:
    """One realistic bug: symbols rebound to buggy callables, and who must catch it."""

    id: str
    description: str
    contract_id: str
    bind: Mapping[str, str]  # symbol -> "module:attribute"
    killed_by: tuple[str, ...]
    pos: SourcePos
    bind_pos: Mapping[str, SourcePos] = field(default_factory=dict, compare=False)  # of each target
    symbol_pos: Mapping[str, SourcePos] = field(default_factory=dict, compare=False)  # of each symbol key
    killed_by_pos: tuple[SourcePos, ...] = field(default=(), compare=False)
    notes: str = ""

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.bind)


@dataclass(frozen=True)
class MutantFile:
    path: str
    contracts: Mapping[str, tuple[Mutant, ...]]  # contract id -> its mutants, in file order
    contract_pos: Mapping[str, SourcePos] = field(default_factory=dict, compare=False)


class _Reader:
    def __init__(self, path: str):
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def error(self, code: str, message: str, pos: SourcePos, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, pos, hint=hint))

    def string(self, node: YNode, where: str) -> str | None:
        if isinstance(node, YScalar) and isinstance(node.value, str) and node.value.strip():
            return node.value.strip()
        self.error("KV801", f"{where} must be a non-empty string", node.pos)
        return None

    def mutant(self, contract_id: str, node: YNode, seen: dict[str, SourcePos]) -> Mutant | None:
        if not isinstance(node, YMap):
            self.error("KV801", "a mutant must be a mapping with id, description, bind and killed_by", node.pos)
            return None
        for key, _ in node.items:
            if key.value not in MUTANT_KEYS:
                self.error("KV802", f"unknown key '{key.value}' in a mutant", key.pos,
                           hint=did_you_mean(str(key.value), MUTANT_KEYS))
        missing = [key for key in _REQUIRED if node.get(key) is None]
        for key in missing:
            self.error("KV803", f"mutant is missing '{key}'", node.pos)
        if missing:
            return None
        ident = self.string(node.get("id"), "'id'")
        description = self.string(node.get("description"), "'description'")
        notes_node = node.get("notes")
        notes = (self.string(notes_node, "'notes'") or "") if notes_node is not None else ""
        if ident is not None:
            if ident in seen:
                self.error("KV804", f"duplicate mutant id '{ident}' (first defined at line {seen[ident].line})",
                           node.get("id").pos)
                ident = None
            else:
                seen[ident] = node.get("id").pos
        bind, bind_pos, symbol_pos = self.bindings(node.get("bind"))
        killers, killer_pos = self.killers(node.get("killed_by"))
        if ident is None or description is None or bind is None or killers is None:
            return None
        return Mutant(ident, description, contract_id, bind, killers, node.pos, bind_pos, symbol_pos,
                      killer_pos, notes)

    def bindings(self, node: YNode) -> tuple[dict[str, str] | None, dict[str, SourcePos], dict[str, SourcePos]]:
        if not isinstance(node, YMap) or not node.items:
            self.error("KV801", "'bind' must be a non-empty mapping of symbol -> \"module:attribute\"", node.pos)
            return None, {}, {}
        bind: dict[str, str] = {}
        positions: dict[str, SourcePos] = {}
        key_positions: dict[str, SourcePos] = {}
        ok = True
        for key, value in node.items:
            target = self.string(value, f"the target of '{key.value}'")
            if target is None:
                ok = False
                continue
            if not _TARGET.match(target):
                self.error("KV805", f"'{target}' is not of the form module:attribute", value.pos,
                           hint="e.g. harnesses.mutants.sizing:kv_bytes_no_factor_2")
                ok = False
                continue
            bind[str(key.value)] = target
            positions[str(key.value)] = value.pos
            key_positions[str(key.value)] = key.pos
        return (bind if ok else None), positions, key_positions

    def killers(self, node: YNode) -> tuple[tuple[str, ...] | None, tuple[SourcePos, ...]]:
        if not isinstance(node, YSeq) or not node.items:
            self.error("KV801", "'killed_by' must be a non-empty list of check ids", node.pos,
                       hint="a mutant no check is expected to kill proves nothing")
            return None, ()
        ids: list[str] = []
        positions: list[SourcePos] = []
        for item in node.items:
            check_id = self.string(item, "a 'killed_by' entry")
            if check_id is None:
                return None, ()
            ids.append(check_id)
            positions.append(item.pos)
        return tuple(ids), tuple(positions)


def load_mutant_file(path: str) -> MutantFile:
    """Read one mutant file; raises :class:`BadInput` with every shape error at once."""
    root = load_yaml(path)
    reader = _Reader(path)
    contracts: dict[str, tuple[Mutant, ...]] = {}
    contract_pos: dict[str, SourcePos] = {}
    if root is None:
        return MutantFile(path, contracts, contract_pos)
    if not isinstance(root, YMap):
        raise BadInput(Diagnostic("KV801", "a mutant file must map contract ids to lists of mutants", root.pos))
    seen: dict[str, SourcePos] = {}  # mutant ids are unique across the whole file
    for key, value in root.items:
        contract_id = str(key.value)
        if not isinstance(value, YSeq):
            reader.error("KV801", f"'{contract_id}' must map to a list of mutants", value.pos)
            continue
        mutants = [reader.mutant(contract_id, item, seen) for item in value.items]
        contracts[contract_id] = tuple(m for m in mutants if m is not None)
        contract_pos[contract_id] = key.pos
    if reader.diagnostics:
        raise BadInput(reader.diagnostics)
    return MutantFile(path, contracts, contract_pos)
