"""Values of the symbolic interpreter, its context, and boolean connectives.

A symbolic value is a MIX: plain Python scalars/strings/lists where the value
is known (partial evaluation keeps concrete subterms concrete) and z3 terms
where it is not.  Strings are interned as Int codes (:class:`SymStr`), so string
equality is Int equality.  Lists are :class:`SymList` (bounded, unrolled with
``If(i < length, ...)``) or :class:`SymSeq` (an Int-indexed z3 Array with a
symbolic length, for properties "for every length").

Side conditions -- what must hold for an operation to be defined (a divisor
is not zero, a value fits a width; see ``symbolic_arith``) -- are collected
in the :class:`SymContext`, guarded by the current path condition so that
``b != 0 and a // b > 1`` has no spurious obligation.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import z3

__all__ = [
    "NotSymbolic",
    "SymbolicError",
    "SymStr",
    "SymList",
    "SymSeq",
    "SideCondition",
    "SymContext",
    "is_sym",
    "to_bool",
    "sym_and",
    "sym_or",
    "sym_not",
    "sym_implies",
    "sym_if",
    "describe",
]


class NotSymbolic(Exception):
    """The expression (or the implementation) cannot be translated to Z3.

    Callers fall back to exhaustive enumeration or report the check as not
    provable by Z3; ``reason`` says why, for the verdict's detail line.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SymbolicError(Exception):
    """The expression is ill-formed for translation (unknown name, wrong type)."""


@dataclass(frozen=True)
class SymStr:
    """A string whose value is unknown: its interned Int code."""

    code: z3.ArithRef


@dataclass(frozen=True)
class SymList:
    """A bounded list: ``items`` up to the maximum length, ``length`` int or z3 Int."""

    items: tuple[Any, ...]
    length: Any


@dataclass(frozen=True)
class SymSeq:
    """An unbounded sequence: z3 Array Int -> element sort, with a z3 Int length."""

    array: z3.ArrayRef
    length: Any


@dataclass(frozen=True)
class SideCondition:
    condition: z3.BoolRef  # already guarded by the path condition it arose under
    message: str
    span: tuple[int, int] = (0, 0)
    kind: str = "defined"  # "division" | "index" | "overflow" | "defined" | "raises" (value: the exception)
    value: Any = None  # overflow: the integer term that must fit, to show its value


class SymContext:
    """Interning, integer representation, fresh names and collected side conditions.

    ``int_width`` None: ints are unbounded z3 Ints; else BitVecs of that width
    (``signed`` picks the comparisons/division and the overflow predicates).
    ``check_width``: keep unbounded Int math but require every integer
    arithmetic result to fit ``check_width`` bits (the overflow harness).
    ``bound``: the harness bound; it also limits unrolling over symbolic ranges.
    """

    def __init__(self, *, int_width: int | None = None, signed: bool = True,
                 check_width: int | None = None, unroll_limit: int = 64,
                 bound: int | None = None, text: str = "", enum_values: tuple[str, ...] = ()):
        self.int_width = int_width
        self.signed = signed
        self.check_width = check_width
        self.unroll_limit = unroll_limit
        self.bound = bound
        self.text = text
        self.side_conditions: list[SideCondition] = []
        self._codes: dict[str, int] = {}
        self._strings: list[str] = []
        self._guards: list[Any] = []
        self._fresh = itertools.count()
        self.depth = 0
        self.trace_failures: list[str] = []  # NotSymbolic raised inside traced user code
        self.trace_paths: list[Any] = []  # path conditions of traced implementation calls (for replay)
        self.explorer: Any = None  # symbolic_trace's decision oracle while user code runs
        self.raise_capture: list[tuple[Any, BaseException, int]] | None = None  # inside raises(): raising paths
        self.function: str | None = None  # the equation being inlined: spans are of its text
        self.label: str | None = None  # printed text of the node being translated, for messages
        for value in enum_values:
            self.code(value)

    # -- strings -------------------------------------------------------------
    def code(self, text: str) -> int:
        if text not in self._codes:
            self._codes[text] = len(self._strings)
            self._strings.append(text)
        return self._codes[text]

    def decode(self, code: int) -> str:
        if 0 <= code < len(self._strings):
            return self._strings[code]
        return f"<string #{code}>"

    # -- fresh symbols -------------------------------------------------------
    def fresh_name(self, prefix: str) -> str:
        return f"{prefix}!{next(self._fresh)}"

    def int_var(self, name: str):
        if self.int_width is None:
            return z3.Int(name)
        return z3.BitVec(name, self.int_width)

    def int_val(self, value: int):
        if self.int_width is None:
            return z3.IntVal(value)
        return z3.BitVecVal(value, self.int_width)

    @property
    def bitvec(self) -> bool:
        return self.int_width is not None

    # -- path conditions and side conditions --------------------------------
    @contextmanager
    def guarded(self, cond: Any) -> Iterator[None]:
        """Translate sub-expressions that are only evaluated when ``cond`` holds."""
        self._guards.append(cond)
        try:
            yield
        finally:
            self._guards.pop()

    def path_condition(self):
        guards = [g for g in self._guards if g is not True]
        if any(g is False for g in guards):
            return z3.BoolVal(False)
        return z3.And(*guards) if guards else z3.BoolVal(True)

    def require(self, cond: Any, message: str, span: tuple[int, int] = (0, 0), *,
                kind: str = "defined", value: Any = None) -> None:
        if cond is True:
            return
        cond = to_bool(cond)
        path = self.path_condition()
        guarded = cond if z3.is_true(path) else z3.Implies(path, cond)
        if self.function is not None:
            message = f"{message} (in {self.function})"
        self.side_conditions.append(SideCondition(guarded, message, span, kind, value))

    def snippet(self, span: tuple[int, int]) -> str:
        """Source text of the node at ``span`` (only for nodes of ``text`` itself)."""
        if self.label:
            return self.label
        if self.text and span != (0, 0) and self.function is None:
            return self.text[span[0]:span[1]]
        return ""


def is_sym(value: Any) -> bool:
    return isinstance(value, (z3.ExprRef, SymStr, SymList, SymSeq))


def to_bool(value: Any) -> z3.BoolRef:
    if isinstance(value, z3.BoolRef):
        return value
    if isinstance(value, bool):
        return z3.BoolVal(value)
    raise SymbolicError(f"expected a boolean, got {describe(value)}")


def describe(value: Any) -> str:
    if isinstance(value, z3.ExprRef):
        return f"a {value.sort()} term"
    return type(value).__name__


def _concrete_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, z3.BoolRef):
        if z3.is_true(value):
            return True
        if z3.is_false(value):
            return False
        return None
    raise SymbolicError(f"expected a boolean, got {describe(value)}")


def sym_not(a: Any) -> Any:
    known = _concrete_bool(a)
    return (not known) if known is not None else z3.Not(a)


def sym_and(*values: Any) -> Any:
    terms = []
    for value in values:
        known = _concrete_bool(value)
        if known is False:
            return False
        if known is None:
            terms.append(value)
    if not terms:
        return True
    return terms[0] if len(terms) == 1 else z3.And(*terms)


def sym_or(*values: Any) -> Any:
    terms = []
    for value in values:
        known = _concrete_bool(value)
        if known is True:
            return True
        if known is None:
            terms.append(value)
    if not terms:
        return False
    return terms[0] if len(terms) == 1 else z3.Or(*terms)


def sym_implies(a: Any, b: Any) -> Any:
    return sym_or(sym_not(a), b)


def sym_if(cond: Any, then: Any, orelse: Any) -> Any:
    known = _concrete_bool(cond)
    if known is not None:
        return then if known else orelse
    if isinstance(then, str) or isinstance(orelse, str) or isinstance(then, SymStr) or isinstance(orelse, SymStr):
        raise SymbolicError("conditional string values are translated by the caller")
    if isinstance(then, (list, SymList, SymSeq)) or isinstance(orelse, (list, SymList, SymSeq)):
        raise NotSymbolic("a conditional whose branches are lists")
    return z3.If(cond, then, orelse)
