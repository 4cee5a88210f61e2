"""The function table a contract's expressions are evaluated with.

Names mean (docs/contract-format.md, "Names inside expressions"): an
equation's name, called, is always the **formula**; a defined symbol is the
**implementation** when bound, else the formula.  Equations of depended-on
contracts are available as formulas (their own contracts verify their
implementations).  ``spec__<equation>`` is always the formula too, so a
conformance check can compare an implementation with its formula even when
the equation and the symbol share a name.

:func:`implementation_scope` also wraps every bound callable with a check of
its declared ``returns`` type: an implementation that answers ``"512"`` or
``None`` where the contract says ``int`` is an ERROR, never silently compared.
An accepted value is converted to the exact builtin type (an ``int`` subclass
whose ``__eq__`` always says True becomes a plain ``int``; an ndarray subclass
a plain ndarray of a numeric dtype) before any contract expression sees it.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..contract.model import Contract
from ..expr.scope import EquationFn, Function, ImplFn, Scope

__all__ = [
    "SPEC_PREFIX",
    "WrongReturnType",
    "spec_functions",
    "spec_scope",
    "implementation_scope",
    "returns_ok",
    "coerce_return",
    "dependency_contracts",
]

SPEC_PREFIX = "spec__"


class WrongReturnType(Exception):
    """A bound callable returned a value of another type than its symbol declares."""


def dependency_contracts(contract: Contract, contract_set: Any) -> list[Contract]:
    """The contracts ``contract`` depends on that ``contract_set`` holds (transitively, in order)."""
    if contract_set is None:
        return []
    lookup: Callable[[str], Any]
    if hasattr(contract_set, "get"):
        lookup = contract_set.get
    else:
        by_id = {c.id: c for c in getattr(contract_set, "contracts", contract_set) or ()}
        lookup = by_id.get
    out: list[Contract] = []
    seen = {contract.id}
    pending = list(contract.metadata.depends_on)
    while pending:
        cid = pending.pop(0)
        if cid in seen:
            continue
        seen.add(cid)
        dep = lookup(cid)
        if isinstance(dep, Contract):
            out.append(dep)
            pending.extend(dep.metadata.depends_on)
    return out


def spec_functions(contract: Contract, dependencies: Iterable[Contract] = ()) -> dict[str, Function]:
    """Every equation and defined symbol as its formula (the specification world)."""
    table: dict[str, Function] = {}
    # Dependencies first, so the contract's own names win a clash.
    for source in [*reversed(list(dependencies)), contract]:
        for eq in source.equations.values():
            if eq.body is None or not eq.defines:
                continue
            table[eq.defines] = EquationFn(eq.defines, eq.params, eq.body, eq.name)
        for eq in source.equations.values():
            if eq.body is None or not eq.defines:
                continue
            as_formula = EquationFn(eq.name, eq.params, eq.body, eq.name)
            table[eq.name] = as_formula
            table[SPEC_PREFIX + eq.name] = as_formula
    return table


def spec_scope(contract: Contract, dependencies: Iterable[Contract] = ()) -> Scope:
    return Scope({}, spec_functions(contract, dependencies))


def returns_ok(value: Any, returns: str) -> bool:
    """Does ``value`` have the contract type ``returns``?"""
    if returns in ("any", ""):
        return True
    if returns == "int":
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if returns == "float":
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if returns == "bool":
        return isinstance(value, (bool, np.bool_))
    if returns == "str":
        return isinstance(value, str)
    if returns == "array":
        return isinstance(value, np.ndarray)
    if returns.startswith("list[") and returns.endswith("]"):
        if isinstance(value, np.ndarray):
            return value.ndim == 1 and all(returns_ok(v, returns[5:-1]) for v in value.tolist())
        return isinstance(value, (list, tuple)) and all(returns_ok(v, returns[5:-1]) for v in value)
    return True  # an unknown tag is the validator's to reject, not a reason to fail every call


_NUMERIC_KINDS = frozenset("biuf")


def _numpy_scalar(value: Any) -> bool:
    # numpy's own scalar types only: a subclass could override __eq__ or __int__.
    return isinstance(value, np.generic) and type(value).__module__ == "numpy"


def coerce_return(value: Any, returns: str) -> Any:
    """``value`` as the exact builtin type of ``returns``; ``WrongReturnType`` when it is not one.

    Subclasses are copied through the base type's own slot (``int.__int__``), never through
    methods the subclass may override, so an object that merely claims equality cannot pass.
    """
    if returns in ("any", ""):
        return value
    if not returns_ok(value, returns):
        raise WrongReturnType(returns)
    if returns == "bool":
        return bool(value) if _numpy_scalar(value) or type(value) is bool else _reject(value)
    if returns in ("int", "float"):
        if isinstance(value, np.generic):
            if not _numpy_scalar(value):
                _reject(value)
            return value.item()
        if isinstance(value, int):
            return int.__int__(value)
        return float.__float__(value)
    if returns == "str":
        return str.__str__(value)
    if returns == "array":
        array = np.asarray(value)  # a plain ndarray, whatever subclass came back
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise WrongReturnType(f"array of dtype {array.dtype}")
        return array
    if returns.startswith("list[") and returns.endswith("]"):
        items = value.tolist() if isinstance(value, np.ndarray) else list(value)
        return [coerce_return(item, returns[5:-1]) for item in items]
    return value


def _reject(value: Any) -> Any:
    raise WrongReturnType(type(value).__name__)


def _type_checked(fn: Callable[..., Any], symbol: str, returns: str) -> Callable[..., Any]:
    if returns in ("any", ""):
        return fn

    @functools.wraps(fn)
    def checked(*args: Any) -> Any:
        value = fn(*args)
        try:
            return coerce_return(value, returns)
        except WrongReturnType:
            pass
        try:
            shown = repr(value)
        except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the type error
            shown = "<unprintable>"
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise WrongReturnType(f"{symbol} is declared to return {returns}, "
                              f"but returned {type(value).__name__} {shown}")

    return checked


def implementation_scope(contract: Contract, impls: Mapping[str, ImplFn],
                         dependencies: Iterable[Contract] = ()) -> Scope:
    """Formulas, with every bound symbol replaced by its (type-checked) implementation."""
    table = spec_functions(contract, dependencies)
    for name, impl in impls.items():
        table[name] = ImplFn(impl.name, impl.params, _type_checked(impl.fn, name, impl.returns),
                             impl.returns, impl.target)
    return Scope({}, table)
