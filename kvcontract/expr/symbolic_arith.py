"""Python-exact arithmetic and comparison on symbolic values.

``arith`` follows Python: ``//`` floors and ``%`` takes the divisor's sign for
negative operands (z3's own ``/`` and ``%`` are Euclidean), ``/`` is true
division.  Each operation records in the context what must hold for it to be
defined: a divisor is not zero, and -- with ``check_width`` or bit-vector
ints -- the result fits the width.  ``sym_eq`` compares any two values
(strings by interned code, lists element-wise); ``sym_compare`` is one link
of a comparison chain.
"""
from __future__ import annotations

from typing import Any

import z3

from .symbolic_values import (
    NotSymbolic,
    SymbolicError,
    SymContext,
    SymList,
    SymSeq,
    SymStr,
    describe,
    is_sym,
    sym_and,
    sym_implies,
    sym_not,
    to_bool,
)

__all__ = ["arith", "neg", "sym_eq", "sym_compare"]


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
    raise SymbolicError(f"expected a number, got {describe(x)}")


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
    raise SymbolicError(f"expected a list, got {describe(value)}")


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
