"""Type-check every expression of a contract (validator rule KV409).

Unknown names and call shapes are the name checker's job (KV408/KV411 in
:mod:`kvcontract.contract.validate_names`); this reports only the certain type
mistakes :func:`kvcontract.expr.types.infer` finds: a string compared with a
number, arithmetic on a bool, an enum compared with a value it cannot take,
``sizeof`` of an unknown dtype, a check or premise that is not true/false.  Legacy provable-contracts files (no
``variables`` or ``symbols``) are not executable and are not type-checked.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from ..diagnostics import Diagnostic
from .nodes import Node
from .types import ANY, BOOL, FnSig, Type, infer, type_from_name, type_of_domain

__all__ = ["check_contract_types", "contract_signatures", "contract_variable_types"]

_REPORTED_KINDS = frozenset({"type"})


def contract_variable_types(contracts: Iterable) -> dict[str, Type]:
    """Variable name -> type over ``contracts`` (dependencies first; later ones win)."""
    var_types: dict[str, Type] = {}
    derived: dict[str, Node] = {}
    for contract in contracts:
        for name, variable in contract.variables.items():
            var_types[name] = type_of_domain(variable.domain)
            if variable.domain.kind == "derived" and variable.domain.value is not None:
                derived[name] = variable.domain.value
    for _ in range(2):  # a derived value may use another derived variable
        for name, value in derived.items():
            var_types[name] = infer(value, var_types, {})[0]
    return var_types


def contract_signatures(contracts: Iterable, var_types: Mapping[str, Type]) -> dict[str, FnSig]:
    """Function name -> signature for the symbols and equations of ``contracts``."""
    contracts = list(contracts)
    functions: dict[str, FnSig] = {}

    def sig(params: tuple[str, ...], result: Type) -> FnSig:
        return FnSig(tuple(params), tuple(var_types.get(p, ANY) for p in params), result)

    for contract in contracts:
        for symbol in contract.symbols.values():
            functions[symbol.name] = sig(symbol.params, type_from_name(symbol.returns))
    for contract in contracts:
        for eq in contract.equations.values():
            if eq.expr is None:
                continue
            if eq.defines and eq.body is not None:
                result = infer(eq.body, var_types, functions)[0]
                if eq.defines in contract.symbols:
                    result = functions[eq.defines].result  # the declared type wins
                else:
                    functions[eq.defines] = sig(eq.params, result)
            else:
                result = BOOL  # a law
            functions[eq.name] = sig(eq.params, result)
    return functions


def check_contract_types(contract, contract_set=None) -> list[Diagnostic]:
    """KV409 for every certain type mistake in the expressions of ``contract``."""
    if not (contract.variables or contract.symbols):
        return []
    dependencies = contract_set.closure(contract.id) if contract_set is not None else ()
    scope_contracts = [*dependencies, contract]
    var_types = contract_variable_types(scope_contracts)
    functions = contract_signatures(scope_contracts, var_types)
    out: list[Diagnostic] = []

    def check(node: Node | None, text, where: str, extra: Mapping[str, Type] | None = None,
              condition: bool = False) -> None:
        if node is None or text is None:
            return
        types = {**var_types, **(extra or {})}
        result, issues = infer(node, types, functions)
        for issue in issues:
            if issue.kind in _REPORTED_KINDS:
                out.append(Diagnostic("KV409", f"in {where}: {issue.message}", text.pos_at(issue.span[0])))
        if condition and result.kind not in ("bool", "any"):
            hint = "wrap an elementwise comparison in all(...) or any(...)" if result.kind == "array" else None
            out.append(Diagnostic("KV409", f"{where} evaluates to {result}, not true/false",
                                  text.pos_at(node.span[0]), hint=hint))

    for variable in contract.variables.values():
        for key, text in variable.domain.texts.items():
            check(getattr(variable.domain, key, None), text, f"{key} of variable '{variable.name}'")
    for eq in contract.equations.values():
        where = f"equation '{eq.name}'"
        params = {p: var_types.get(p, ANY) for p in eq.params}
        check(eq.body if eq.defines else eq.expr, eq.formula, where, params, condition=not eq.defines)
        for node, text in zip(eq.assume, eq.assume_texts):
            check(node, text, f"assume of {where}", params, condition=True)
    obligations = {ob.id: ob for ob in contract.obligations if ob.id}
    for index, ob in enumerate(contract.obligations, start=1):
        where = f"obligation {ob.id or '#' + str(index)}"
        given = {name: type_of_domain(domain) for name, domain in ob.given.items()}
        check(ob.check, ob.check_text, where, given, condition=True)
        for node, text in zip(ob.assume, ob.assume_texts):
            check(node, text, f"assume of {where}", given, condition=True)
        check(ob.minimize, ob.minimize_text, f"minimize of {where}", given)
    for item in (*contract.falsification_tests, *contract.harnesses):
        ob = obligations.get(item.obligation or "")
        given = {name: type_of_domain(domain) for name, domain in {**(ob.given if ob else {}), **item.given}.items()}
        check(item.check, item.check_text, item.id, given, condition=True)
        for node, text in zip(item.assume, item.assume_texts):
            check(node, text, f"assume of {item.id}", given, condition=True)
    return out
