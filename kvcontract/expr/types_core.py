"""The types of the contract expression checker and how they combine.

``any`` unifies with everything and ``int`` promotes to ``real``; a ``str``
may carry its enum values and a ``list`` its element type.  The checker itself
is :mod:`kvcontract.expr.types`.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Type", "FnSig", "TypeIssue", "INT", "REAL", "BOOL", "STR", "ARRAY", "ANY",
    "list_of", "enum_of", "join", "type_of_domain", "type_from_name",
]


@dataclass(frozen=True)
class Type:
    """``kind`` is int, real, bool, str, list, array or any.

    A ``str`` may list its possible ``values`` (an enum); a ``list`` has an
    ``elem`` type.
    """

    kind: str
    values: tuple[str, ...] | None = None
    elem: "Type | None" = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list[{self.elem or ANY}]"
        if self.kind == "str" and self.values is not None:
            return "enum{" + ", ".join(self.values) + "}"
        return "float" if self.kind == "real" else self.kind

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "real")


INT, REAL, BOOL, STR, ARRAY, ANY = (Type(k) for k in ("int", "real", "bool", "str", "array", "any"))


def list_of(elem: Type) -> Type:
    return Type("list", elem=elem)


def enum_of(values) -> Type:
    return Type("str", values=tuple(values))


@dataclass(frozen=True)
class FnSig:
    """A contract function (an equation or a symbol): parameter names and types, result."""

    params: tuple[str, ...]
    param_types: tuple[Type, ...]
    result: Type


@dataclass(frozen=True)
class TypeIssue:
    """``kind``: ``name`` (unknown or misused name), ``arity`` (call shape) or ``type``."""

    message: str
    span: tuple[int, int]
    kind: str = "type"


def join(a: Type, b: Type) -> Type:
    """The least type both fit in; ``any`` when they do not agree."""
    if a == b:
        return a
    if a.kind == "any" or b.kind == "any":
        return ANY
    if {a.kind, b.kind} <= {"int", "real", "bool"}:
        return REAL if "real" in (a.kind, b.kind) else INT
    if a.kind == b.kind == "str":
        if a.values is None or b.values is None:
            return STR
        return enum_of(dict.fromkeys(a.values + b.values))
    if a.kind == b.kind == "list":
        return list_of(join(a.elem or ANY, b.elem or ANY))
    return ANY


def type_from_name(name: str) -> Type:
    """The type of a ``returns:`` name: int, float, bool, str, list[T], array, any."""
    name = name.strip()
    if name.startswith("list[") and name.endswith("]"):
        return list_of(type_from_name(name[5:-1]))
    return {"int": INT, "float": REAL, "real": REAL, "bool": BOOL, "str": STR, "array": ARRAY}.get(name, ANY)


def type_of_domain(domain) -> Type:
    """The value type of a :class:`kvcontract.contract.model.Domain`."""
    kind = domain.kind
    if kind == "enum":
        return enum_of(domain.values)
    if kind == "list":
        return list_of(type_of_domain(domain.element) if domain.element is not None else ANY)
    return {"int": INT, "float": REAL, "bool": BOOL, "array": ARRAY}.get(kind, ANY)
