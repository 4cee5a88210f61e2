"""Binding files: which Python callable implements each symbol of a contract.

A binding file is YAML keyed by contract id, each mapping symbol -> ``"module:attr"``::

    kv-cache-sizing-v1:
      kv_bytes: "kvcontract.reference.sizing:kv_bytes"

Later files override earlier ones; ``--bind CONTRACT.SYMBOL=module:attr``
overrides them all.  :func:`resolve_symbols` imports every bound symbol and
checks it *before* anything runs: a symbol a check needs without a binding, an
import that fails, a missing attribute, something not callable, or a signature
that cannot take the symbol's parameters is a :class:`BadInput` diagnostic
naming the binding's ``file:line:col``.  Only modules named in a binding are
imported.  A :class:`BindingSet` holds no callables, so worker processes get
it pickled and resolve their own.
"""
from __future__ import annotations

import importlib
import inspect
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import yaml

from ..contract.model import Contract
from ..diagnostics import BadInput, Diagnostic, SourcePos, did_you_mean
from ..expr.scope import ImplFn
from .project import find_project_root

__all__ = [
    "BindingEntry",
    "BindingSet",
    "load_binding_files",
    "parse_bind_overrides",
    "resolve_symbols",
    "symbols_needed",
    "machine_symbols",
    "machine_targets",
    "import_target",
]


@dataclass(frozen=True)
class BindingEntry:
    """One ``symbol: "module:attr"`` line, with where it was written."""

    contract: str
    symbol: str
    target: str
    pos: SourcePos
    import_root: str = ""  # put on sys.path before importing (the binding's project root)


@dataclass(frozen=True)
class BindingSet:
    """contract id -> symbol -> entry; later sources already applied."""

    entries: Mapping[str, Mapping[str, BindingEntry]] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def for_contract(self, contract_id: str) -> Mapping[str, BindingEntry]:
        return self.entries.get(contract_id, {})

    def merged(self, later: Iterable[BindingEntry], files: Iterable[str] = ()) -> "BindingSet":
        entries = {cid: dict(syms) for cid, syms in self.entries.items()}
        for entry in later:
            entries.setdefault(entry.contract, {})[entry.symbol] = entry
        return BindingSet(entries, self.files + tuple(files))


def _err(code: str, message: str, pos: SourcePos, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, pos, hint=hint)


def _pos(path: str, node: yaml.Node) -> SourcePos:
    return SourcePos(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _check_target(target: str, pos: SourcePos, diags: list[Diagnostic]) -> bool:
    module, sep, attr = target.partition(":")
    parts = module.split(".") + (attr.split(".") if attr else [])
    if not sep or not module or not attr or not all(p.isidentifier() for p in parts):
        diags.append(_err("KV604", f"binding target '{target}' is not 'module:attr'", pos,
                          hint="write e.g. 'kvcontract.reference.sizing:kv_bytes'"))
        return False
    return True


def _read_binding_file(path: str, diags: list[Diagnostic]) -> list[BindingEntry]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        diags.append(_err("KV601", f"cannot read binding file: {exc.strerror or exc}", SourcePos(path)))
        return []
    try:
        # compose (not load): node marks give file:line:col, and aliases are never expanded.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = SourcePos(path, mark.line + 1, mark.column + 1) if mark else SourcePos(path)
        diags.append(_err("KV601", f"binding file is not valid YAML: {getattr(exc, 'problem', exc)}", pos))
        return []
    if root is None:
        return []
    import_root = find_project_root(os.path.dirname(os.path.abspath(path)))
    if not isinstance(root, yaml.MappingNode):
        diags.append(_err("KV602", "a binding file maps contract ids to {symbol: 'module:attr'}", _pos(path, root)))
        return []
    entries: list[BindingEntry] = []
    seen_contracts: set[str] = set()
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode) or not isinstance(value_node, yaml.MappingNode):
            diags.append(_err("KV602", "expected 'contract-id:' followed by a mapping of symbol: 'module:attr'",
                              _pos(path, key_node)))
            continue
        contract_id = str(key_node.value)
        if contract_id in seen_contracts:
            diags.append(_err("KV603", f"duplicate contract id '{contract_id}'", _pos(path, key_node)))
            continue
        seen_contracts.add(contract_id)
        seen_symbols: set[str] = set()
        for sym_node, target_node in value_node.value:
            sym_pos = _pos(path, sym_node)
            if not isinstance(sym_node, yaml.ScalarNode) or not isinstance(target_node, yaml.ScalarNode):
                diags.append(_err("KV602", "expected 'symbol: \"module:attr\"'", sym_pos))
                continue
            symbol = str(sym_node.value)
            if symbol in seen_symbols:
                diags.append(_err("KV603", f"duplicate symbol '{symbol}' for contract '{contract_id}'", sym_pos))
                continue
            seen_symbols.add(symbol)
            target_pos = _pos(path, target_node)
            target = str(target_node.value).strip()
            if _check_target(target, target_pos, diags):
                entries.append(BindingEntry(contract_id, symbol, target, target_pos, import_root))
    return entries


def load_binding_files(paths: Iterable[str]) -> BindingSet:
    """Read binding files in order (later ones override earlier); raises ``BadInput``."""
    diags: list[Diagnostic] = []
    result = BindingSet()
    for path in paths:
        entries = _read_binding_file(str(path), diags)
        result = result.merged(entries, [str(path)])
    if diags:
        raise BadInput(diags)
    return result


def parse_bind_overrides(overrides: Iterable[str], *, cwd: str | None = None) -> list[BindingEntry]:
    """``CONTRACT.SYMBOL=module:attr`` command-line overrides; raises ``BadInput``."""
    diags: list[Diagnostic] = []
    entries: list[BindingEntry] = []
    root = cwd or os.getcwd()
    for text in overrides:
        pos = SourcePos(f"--bind {text}")
        left, eq, target = text.partition("=")
        contract_id, dot, symbol = left.strip().rpartition(".")
        if not eq or not dot or not contract_id or not symbol.isidentifier():
            diags.append(_err("KV620", f"--bind expects CONTRACT.SYMBOL=module:attr, got '{text}'", pos))
            continue
        target = target.strip()
        if _check_target(target, pos, diags):
            entries.append(BindingEntry(contract_id, symbol, target, pos, root))
    if diags:
        raise BadInput(diags)
    return entries


def machine_symbols(contract: Contract) -> set[str]:
    """Declared symbols that name state-machine factories (called with the symbol table, not params)."""
    return {t.state_machine for t in contract.falsification_tests
            if t.state_machine and t.state_machine in contract.symbols}


def symbols_needed(contract: Contract, checks: Iterable[Any] = ()) -> list[str]:
    """Declared symbols some planned check calls (they must be bound), in declaration order."""
    needed: set[str] = set(machine_symbols(contract))
    for check in checks:
        needed.update(getattr(check, "needs_symbols", ()) or ())
    return [name for name in contract.symbols if name in needed]


def import_target(target: str, import_root: str = "") -> tuple[Any, str | None, str]:
    """(object, error message or None, error code) for ``module:attr``; never raises for a broken module."""
    module_name, _, attr_path = target.partition(":")
    if import_root and import_root not in sys.path:
        sys.path.append(import_root)
    try:
        obj: Any = importlib.import_module(module_name)
    except BaseException as exc:  # noqa: BLE001 - a broken module must become a diagnostic
        if isinstance(exc, KeyboardInterrupt):
            raise
        return None, f"cannot import module '{module_name}': {type(exc).__name__}: {exc}", "KV611"
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            hint = did_you_mean(part, names)
            msg = f"'{module_name}' has no attribute '{attr_path}'" + (f" ({hint})" if hint else "")
            return None, msg, "KV612"
        obj = getattr(obj, part)
    return obj, None, ""


def _import_target(entry: BindingEntry) -> tuple[Any, str | None, str]:
    return import_target(entry.target, entry.import_root)


def machine_targets(contract: Contract) -> dict[str, Any]:
    """State machines are declared symbols resolved with the others: nothing to import here.

    Kept so callers that pass ``target=`` stay valid; contracts never name code
    (the loader rejects ``module:attr`` in ``state_machine``, KV112).
    """
    return {}


def _signature_problem(fn: Any, n_args: int) -> str | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None  # builtins without a signature: the call itself will tell
    try:
        sig.bind(*([None] * n_args))
    except TypeError as exc:
        return f"signature {sig} cannot take {n_args} positional argument(s): {exc}"
    return None


def resolve_symbols(contract: Contract, bindings: BindingSet, *,
                    needed: Iterable[str] | None = None) -> dict[str, ImplFn]:
    """Import and check every bound symbol of ``contract``; raises ``BadInput``.

    ``needed``: symbols some check calls (default: every declared symbol); each
    must be bound, and must accept the symbol's parameters positionally.  A binding for a symbol the contract does not declare is an
    error too (usually a typo).
    """
    diags: list[Diagnostic] = []
    entries = bindings.for_contract(contract.id)
    machines = machine_symbols(contract)
    need = list(contract.symbols) if needed is None else list(needed)
    files = ", ".join(bindings.files) or "no binding file"
    for name in need:
        if name not in entries and name in contract.symbols:
            diags.append(_err("KV610", f"symbol '{name}' of contract '{contract.id}' is used by a check but has "
                                       f"no binding", contract.symbols[name].pos,
                              hint=f"add '{name}: \"module:attr\"' under '{contract.id}:' in a binding file "
                                   f"(read: {files}) or pass --bind {contract.id}.{name}=module:attr"))
    impls: dict[str, ImplFn] = {}
    for name, entry in entries.items():
        symbol = contract.symbols.get(name)
        if symbol is None:
            hint = did_you_mean(name, contract.symbols)
            diags.append(_err("KV615", f"binding for '{name}', which contract '{contract.id}' does not declare "
                                       f"under 'symbols'", entry.pos, hint=hint))
            continue
        obj, problem, code = _import_target(entry)
        if problem is None and not callable(obj):
            problem, code = f"'{entry.target}' is a {type(obj).__name__}, not callable", "KV613"
        # Signatures are checked where an expression calls the symbol with its params (or it is a
        # machine factory); lifecycle symbols used only inside a state machine have their own.
        if problem is None and (name in machines or name in need):
            n_args = 1 if name in machines else len(symbol.params)
            sig_problem = _signature_problem(obj, n_args)
            if sig_problem:
                problem, code = f"'{entry.target}' for symbol '{name}': {sig_problem}", "KV614"
        if problem is not None:
            diags.append(_err(code, f"binding of symbol '{name}': {problem}", entry.pos))
            continue
        impls[name] = ImplFn(name, symbol.params, obj, symbol.returns, entry.target)
    if diags:
        raise BadInput(diags)
    return impls
