"""Values of the symbolic interpreter and Python-exact arithmetic on them.

A symbolic value is a MIX: plain Python scalars/strings/lists where the value
is known (partial evaluation keeps concrete subterms concrete) and z3 terms
where it is not.  Strings are interned as Int codes (:class:`SymStr`), so string
equality is Int equality.  Lists are :class:`SymList` (bounded, unrolled with
``If(i < length, ...)``) or :class:`SymSeq` (an Int-indexed z3 Array with a
symbolic length, for properties "for every length").

Every operator here follows Python's semantics exactly (floor division and
modulo for negative operands, true division), and records what must hold for
the operation to be defined (a divisor is not zero, a value fits a width) as a
side condition in the :class:`SymContext`, guarded by the current path
condition so that ``b != 0 and a // b > 1`` has no spurious obligation.
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
    "sym_eq",
    "sym_compare",
    "arith",
    "neg",
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
    kind: str = "defined"  # "division" | "index" | "overflow" | "defined"
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
    raise SymbolicError(f"expected a boolean, got {_describe(value)}")


def _describe(value: Any) -> str:
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
    raise SymbolicError(f"expected a boolean, got {_describe(value)}")


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


def _is_int_term(x: Any) -> bool:
    return isinstance(x, z3.BitVecRef) or (isinstance(x, z3.ArithRef) and x.is_int())


def _is_int(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or _is_int_term(x)


def _num(x: Any) -> Any:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, z3.BoolRef):
        return z3.If(x, 1, 0)
    if isinstance(x, (int, float)) or isinstance(x, (z3.ArithRef, z3.BitVecRef)):
        return x
    raise SymbolicError(f"expected a number, got {_describe(x)}")


def _real(ctx: SymContext, x: Any) -> Any:
    if isinstance(x, z3.BitVecRef):
        raise NotSymbolic("mixing bit-vector ints with reals")
    if isinstance(x, z3.ArithRef):
        return z3.ToReal(x) if x.is_int() else x
    return z3.RealVal(x) if isinstance(x, float) else z3.RealVal(x)


def _fits(ctx: SymContext, result: Any, span: tuple[int, int]) -> None:
    """With ``check_width``: an integer result must fit the declared width."""
    width = ctx.check_width
    if width is None or not _is_int_term(result) or isinstance(result, z3.BitVecRef):
        return
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if ctx.signed else (0, 2 ** width - 1)
    kind = "signed" if ctx.signed else "unsigned"
    where = ctx.snippet(span) or str(result)
    ctx.require(z3.And(result >= lo, result <= hi), f"{where} overflows {kind} {width}-bit", span,
                kind="overflow", value=result)


def _bv_overflow(ctx: SymContext, op: str, a: Any, b: Any, span: tuple[int, int]) -> None:
    s = ctx.signed
    if op == "+":
        conds = [z3.BVAddNoOverflow(a, b, s)] + ([z3.BVAddNoUnderflow(a, b)] if s else [])
    elif op == "-":
        conds = [z3.BVSubNoUnderflow(a, b, s)] + ([z3.BVSubNoOverflow(a, b)] if s else [])
    elif op == "*":
        conds = [z3.BVMulNoOverflow(a, b, s)] + ([z3.BVMulNoUnderflow(a, b)] if s else [])
    else:
        return
    where = ctx.snippet(span) or f"{op}"
    kind = "signed" if s else "unsigned"
    ctx.require(z3.And(*conds), f"{where} overflows {kind} {ctx.int_width}-bit", span, kind="overflow")


def neg(ctx: SymContext, a: Any, span: tuple[int, int] = (0, 0)) -> Any:
    a = _num(a)
    if not is_sym(a):
        return -a
    if isinstance(a, z3.BitVecRef) and ctx.signed:
        ctx.require(z3.BVSNegNoOverflow(a), "negation overflows", span)
    result = -a
    _fits(ctx, result, span)
    return result


def arith(ctx: SymContext, op: str, a: Any, b: Any, span: tuple[int, int] = (0, 0)) -> Any:
    """``a op b`` with Python semantics; records side conditions in ``ctx``."""
    a, b = _num(a), _num(b)
    if not is_sym(a) and not is_sym(b):
        return _concrete_arith(ctx, op, a, b, span)
    if op == "**":
        return _power(ctx, a, b, span)
    bv = isinstance(a, z3.BitVecRef) or isinstance(b, z3.BitVecRef)
    if op in ("+", "-", "*"):
        if bv:
            a, b = _bv_pair(ctx, a, b)
            _bv_overflow(ctx, op, a, b, span)
        result = a + b if op == "+" else a - b if op == "-" else a * b
        _fits(ctx, result, span)
        return result
    if op == "/":
        ctx.require(b != 0, f"division by zero possible in {ctx.snippet(span) or '/'}", span, kind="division")
        return _real(ctx, a) / _real(ctx, b)
    if op in ("//", "%"):
        ctx.require(b != 0, f"division by zero possible in {ctx.snippet(span) or op}", span, kind="division")
        if bv:
            result = _bv_floordiv_mod(ctx, op, *_bv_pair(ctx, a, b))
        elif _is_int(a) and _is_int(b):
            a, b = (z3.IntVal(a) if isinstance(a, int) else a), (z3.IntVal(b) if isinstance(b, int) else b)
            quotient = z3.If(b > 0, a / b, (-a) / (-b))  # z3 '/' is Euclidean; this is floor
            result = quotient if op == "//" else a - b * quotient
        else:
            ra, rb = _real(ctx, a), _real(ctx, b)
            floor = z3.ToReal(z3.ToInt(ra / rb))  # Python: float floor division stays float
            result = floor if op == "//" else ra - rb * floor
        _fits(ctx, result, span)
        return result
    raise NotSymbolic(f"operator {op!r} has no symbolic form")


def _bv_pair(ctx: SymContext, a: Any, b: Any):
    if isinstance(a, float) or isinstance(b, float):
        raise NotSymbolic("mixing bit-vector ints with floats")
    if isinstance(a, z3.ArithRef) or isinstance(b, z3.ArithRef):
        raise NotSymbolic("mixing bit-vector ints with unbounded numbers")
    a = ctx.int_val(a) if isinstance(a, int) else a
    b = ctx.int_val(b) if isinstance(b, int) else b
    return a, b


def _bv_floordiv_mod(ctx: SymContext, op: str, a: Any, b: Any) -> Any:
    if not ctx.signed:
        return z3.UDiv(a, b) if op == "//" else z3.URem(a, b)
    q, r = a / b, z3.SRem(a, b)  # truncating; adjust to floor when signs differ
    adjust = z3.And(r != 0, (r < 0) != (b < 0))
    return z3.If(adjust, q - 1, q) if op == "//" else z3.If(adjust, r + b, r)


def _concrete_arith(ctx: SymContext, op: str, a: Any, b: Any, span: tuple[int, int]) -> Any:
    if op in ("/", "//", "%") and b == 0:
        ctx.require(False, f"division by zero in {ctx.snippet(span) or op}", span, kind="division")
        return 0  # never used: the side condition is False on this path
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if op == "//":
        return a // b
    if op == "%":
        return a % b
    if op == "**":
        if isinstance(b, int) and abs(b) > 4096:
            raise NotSymbolic("exponent too large")
        if a == 0 and b < 0:
            ctx.require(False, "zero to a negative power", span)
            return 0
        return a ** b
    raise NotSymbolic(f"operator {op!r} has no symbolic form")


def _power(ctx: SymContext, a: Any, b: Any, span: tuple[int, int]) -> Any:
    if is_sym(b) or not isinstance(b, int):
        raise NotSymbolic("a power with a symbolic or non-integer exponent")
    if b > 64:
        raise NotSymbolic("a power with an exponent above 64")
    result: Any = 1
    for _ in range(abs(b)):
        result = arith(ctx, "*", result, a, span)
    if b < 0:
        result = arith(ctx, "/", 1, result, span)
    return result


def sym_eq(ctx: SymContext, a: Any, b: Any) -> Any:
    """``a == b`` over every kind of value (strings by code, lists element-wise)."""
    if isinstance(a, (str, SymStr)) or isinstance(b, (str, SymStr)):
        if not isinstance(a, (str, SymStr)) or not isinstance(b, (str, SymStr)):
            return False  # Python: a string never equals a number
        if isinstance(a, str) and isinstance(b, str):
            return a == b
        ca = ctx.code(a) if isinstance(a, str) else a.code
        cb = ctx.code(b) if isinstance(b, str) else b.code
        return ca == cb
    if isinstance(a, (list, tuple, SymList, SymSeq)) or isinstance(b, (list, tuple, SymList, SymSeq)):
        return _seq_eq(ctx, a, b)
    if not is_sym(a) and not is_sym(b):
        return a == b
    if isinstance(a, z3.BoolRef) or isinstance(b, z3.BoolRef):
        if isinstance(a, (bool, z3.BoolRef)) and isinstance(b, (bool, z3.BoolRef)):
            return to_bool(a) == to_bool(b)
        return _num(a) == _num(b)
    return _num(a) == _num(b)


def _as_symlist(value: Any) -> SymList | SymSeq:
    if isinstance(value, (SymList, SymSeq)):
        return value
    if isinstance(value, (list, tuple)):
        return SymList(tuple(value), len(value))
    raise SymbolicError(f"expected a list, got {_describe(value)}")


def _seq_eq(ctx: SymContext, a: Any, b: Any) -> Any:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and not any(map(is_sym, (*a, *b))):
        return list(a) == list(b)
    la, lb = _as_symlist(a), _as_symlist(b)
    same_length = la.length == lb.length if is_sym(la.length) or is_sym(lb.length) else la.length == lb.length
    if isinstance(la, SymSeq) or isinstance(lb, SymSeq):
        i = z3.Int(ctx.fresh_name("i"))
        body = sym_eq(ctx, _element(la, i), _element(lb, i))
        return sym_and(same_length, z3.ForAll([i], z3.Implies(z3.And(i >= 0, i < la.length), to_bool(body))))
    parts = [same_length]
    for k in range(min(len(la.items), len(lb.items))):
        in_range = sym_and(_lt(k, la.length), _lt(k, lb.length))
        parts.append(sym_implies(in_range, sym_eq(ctx, la.items[k], lb.items[k])))
    return sym_and(*parts)


def _lt(k: int, length: Any) -> Any:
    return k < length


def _element(seq: SymList | SymSeq, i: Any) -> Any:
    if isinstance(seq, SymSeq):
        return z3.Select(seq.array, i)
    raise NotSymbolic("comparing a bounded list with an unbounded sequence element-wise")


_FLIP = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


def sym_compare(ctx: SymContext, op: str, a: Any, b: Any) -> Any:
    """One link of a comparison chain: ``== = != < <= > >=``."""
    if op in ("==", "="):
        return sym_eq(ctx, a, b)
    if op == "!=":
        return sym_not(sym_eq(ctx, a, b))
    if isinstance(a, (str, SymStr)) or isinstance(b, (str, SymStr)):
        if isinstance(a, str) and isinstance(b, str):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        raise NotSymbolic("ordering comparison of symbolic strings")
    a, b = _num(a), _num(b)
    if not is_sym(a) and not is_sym(b):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if (isinstance(a, z3.BitVecRef) or isinstance(b, z3.BitVecRef)) and not ctx.signed:
        a, b = _bv_pair(ctx, a, b)
        return {"<": z3.ULT, "<=": z3.ULE, ">": z3.UGT, ">=": z3.UGE}[op](a, b)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
