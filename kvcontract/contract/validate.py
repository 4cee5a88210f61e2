"""Cross-reference rules: every reference in a contract resolves, every count is real.

Each rule has a code and reports ``file:line:col`` of the offending text:

KV401 a harness names an obligation id no obligation defines
KV402 a falsification test names no obligation (error in kvcontract files,
      warning in legacy files) or one that does not exist (error)
KV403 an id (obligation, test, harness, contract) is defined twice in the set
KV404 ``depends_on`` names a contract not found on the search path
KV405 ``depends_on`` forms a cycle
KV406 a gate check names no equation, defined symbol, obligation, test or harness
KV407 a count in ``pass_criteria`` ("All 6 falsification tests pass", "all six tests",
      "6/6 tests") is not the real count (see :mod:`validate_counts`)
KV410 a symbol parameter is not a declared variable
KV412 a test's ``state_machine`` names no declared symbol
plus the expression and domain rules of :mod:`validate_names` (KV408, KV411,
KV210-KV214), the example rules of :mod:`validate_examples` (KV413-KV416)
and, where the type checker is available, KV409.
"""
from __future__ import annotations

import os
from typing import Iterable

from ..diagnostics import Diagnostic, SourcePos, did_you_mean
from .model import Contract
from .repository import ContractSet
from .validate_counts import COUNT_PATTERN, check_counts
from .validate_examples import check_examples
from .validate_names import check_domains, check_names, is_strict

__all__ = ["validate", "validate_contract", "COUNT_PATTERN"]



def validate(contracts: ContractSet | Iterable[Contract]) -> list[Diagnostic]:
    """Every cross-reference finding of the requested contracts of a set (or of the given contracts)."""
    if not isinstance(contracts, ContractSet):
        listed = list(contracts)
        contracts = ContractSet({c.id: c for c in listed}, tuple(c.id for c in listed))
    out: list[Diagnostic] = []
    out.extend(_duplicate_ids(contracts))
    out.extend(_dependency_cycles(contracts))
    for contract in contracts.requested_contracts():
        out.extend(validate_contract(contract, contracts))
    return out


def validate_contract(contract: Contract, contract_set: ContractSet) -> list[Diagnostic]:
    """The rules about one contract (references resolve within it and its dependencies)."""
    strict = is_strict(contract)
    dependencies = contract_set.closure(contract.id)
    out: list[Diagnostic] = []
    obligation_ids = {ob.id for ob in contract.obligations if ob.id}
    reachable_ids = obligation_ids | {ob.id for dep in dependencies for ob in dep.obligations if ob.id}
    legacy_hint = (
        "this file's obligations have no ids: add 'id:' to the obligation meant"
        if any(not ob.id for ob in contract.obligations) else None
    )

    for harness in contract.harnesses:
        if harness.obligation and harness.obligation not in reachable_ids:
            out.append(Diagnostic(
                "KV401", f"{harness.id} names obligation '{harness.obligation}' that no obligation defines",
                harness.obligation_pos or harness.pos,
                hint=did_you_mean(harness.obligation, reachable_ids) or legacy_hint))

    for test in contract.falsification_tests:
        if test.obligation is None:
            if test.state_machine is None or strict:
                out.append(Diagnostic(
                    "KV402", f"{test.id} names no obligation ('obligation:' is required)", test.pos,
                    "error" if strict else "warning"))
        elif test.obligation not in reachable_ids:
            out.append(Diagnostic(
                "KV402", f"{test.id} names obligation '{test.obligation}' that no obligation defines",
                test.obligation_pos or test.pos, hint=did_you_mean(test.obligation, reachable_ids) or legacy_hint))

    for dep, pos in zip(contract.metadata.depends_on, contract.metadata.depends_on_pos):
        if dep not in contract_set.contracts:
            where = ", ".join((os.path.dirname(contract.path) or ".", *contract_set.search_path))
            out.append(Diagnostic("KV404", f"depends_on '{dep}': no contract {dep}.yaml found (searched {where})",
                                  pos, hint=did_you_mean(dep, contract_set.contracts)
                                  or "add the directory that holds it with --search-path DIR"))

    out.extend(_gate_rules(contract))

    for symbol in contract.symbols.values():
        for param in symbol.params:
            if param not in contract.variables:
                out.append(Diagnostic("KV410", f"parameter '{param}' of symbol '{symbol.name}' is not a declared variable",
                                      symbol.pos, hint=did_you_mean(param, contract.variables)))

    for test in contract.falsification_tests:
        if test.state_machine and test.state_machine not in contract.symbols:
            out.append(Diagnostic("KV412", f"state_machine of {test.id} names '{test.state_machine}', "
                                           "which is not a declared symbol", test.pos,
                                  hint=did_you_mean(test.state_machine, contract.symbols)
                                  or "declare it under 'symbols' and bind it to the machine factory"))

    out.extend(check_domains(contract))
    out.extend(check_names(contract, dependencies))
    out.extend(check_examples(contract, dependencies))
    out.extend(_type_rules(contract, contract_set))
    return out


def _gate_rules(contract: Contract) -> list[Diagnostic]:
    gate = contract.gate
    if gate is None:
        return []
    out: list[Diagnostic] = []
    known = (
        set(contract.equations)
        | {eq.defines for eq in contract.equations.values() if eq.defines}
        | {ob.id for ob in contract.obligations if ob.id}
        | {t.id for t in contract.falsification_tests}
        | {h.id for h in contract.harnesses}
    )
    for ref in gate.checks:
        if ref.name not in known:
            out.append(Diagnostic(
                "KV406", f"gate check '{ref.name}' names no equation, obligation, falsification test or harness",
                ref.pos, hint=did_you_mean(ref.name, known)))
    out.extend(check_counts(contract))
    return out


def _type_rules(contract: Contract, contract_set: ContractSet) -> list[Diagnostic]:
    """KV409 from the expression type checker, when it is installed."""
    try:
        from ..expr import types as expr_types
    except ImportError:
        return []
    check = getattr(expr_types, "check_contract_types", None)
    if check is None:
        return []
    return list(check(contract, contract_set))


def _duplicate_ids(contract_set: ContractSet) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for dup in contract_set.duplicates:
        first = contract_set.contracts[dup.id]
        out.append(Diagnostic("KV403", f"contract id '{dup.id}' is also defined by {first.path}",
                              SourcePos(dup.path, 1, 1)))
    seen: dict[str, tuple[str, SourcePos]] = {}
    ordered = list(contract_set.requested_contracts())
    ordered += [c for c in contract_set.contracts.values() if c not in ordered]
    for contract in ordered:
        items = [("obligation", ob.id, ob.pos) for ob in contract.obligations]
        items += [("falsification test", t.id, t.pos) for t in contract.falsification_tests]
        items += [("harness", h.id, h.pos) for h in contract.harnesses]
        for kind, ident, pos in items:
            if not ident:
                continue
            if ident in seen:
                first_kind, first_pos = seen[ident]
                out.append(Diagnostic("KV403", f"id '{ident}' of this {kind} is already used by the {first_kind} "
                                      f"at {first_pos}", pos))
            else:
                seen[ident] = (kind, pos)
    return out


def _dependency_cycles(contract_set: ContractSet) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}

    def visit(cid: str, path: list[str]) -> None:
        state[cid] = 1
        contract = contract_set.contracts[cid]
        for dep, pos in zip(contract.metadata.depends_on, contract.metadata.depends_on_pos):
            if dep not in contract_set.contracts:
                continue
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    out.append(Diagnostic("KV405", f"depends_on forms a cycle: {' -> '.join(cycle)}", pos))
            elif dep not in state:
                visit(dep, path + [dep])
        state[cid] = 2

    for cid in contract_set.contracts:
        if cid not in state:
            visit(cid, [cid])
    return out
