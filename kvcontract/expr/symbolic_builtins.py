"""Symbolic forms of the builtins (the concrete ones live in ``builtins.py``).

A call whose arguments are all concrete runs the concrete implementation
(partial evaluation), so both interpreters agree by construction there.  The
symbolic forms below follow the concrete ones: ``sizeof`` is an If-chain over
``DTYPE_SIZES``; ``count``/``sum``/``all``/``any``/``min``/``max`` fold over
:class:`Items` -- (guard, value) pairs unrolled from a bounded list -- or, for
``all``/``any`` over an unbounded range or sequence, a quantifier.
Transcendental functions and arrays have no symbolic form: :class:`NotSymbolic`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import z3

from .builtins import BUILTINS, DTYPE_SIZES
from .symbolic_arith import arith, neg, sym_compare, sym_eq
from .symbolic_values import (
    NotSymbolic,
    SymbolicError,
    SymContext,
    SymList,
    SymSeq,
    SymStr,
    is_sym,
    sym_and,
    sym_if,
    sym_implies,
    sym_not,
    sym_or,
    to_bool,
)

__all__ = ["Items", "Quantified", "SymRange", "call_builtin", "truthy", "as_items", "membership"]


@dataclass(frozen=True)
class SymRange:
    """``range(start, stop)`` with a symbolic end (step 1)."""

    start: Any
    stop: Any


@dataclass
class Items:
    """The elements of an iteration, unrolled: element ``value`` exists when ``guard``."""

    pairs: list[tuple[Any, Any]] = field(default_factory=list)


@dataclass
class Quantified:
    """An unbounded iteration: ``value`` for every index ``var`` with ``guard``."""

    var: z3.ArithRef
    guard: Any
    value: Any


def truthy(value: Any) -> Any:
    if isinstance(value, (bool, z3.BoolRef)):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (z3.ArithRef, z3.BitVecRef)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    raise NotSymbolic(f"truth value of {type(value).__name__}")


def as_items(value: Any) -> Items:
    """A list-like value as guarded items (a SymSeq has none: use a quantifier)."""
    if isinstance(value, Items):
        return value
    if isinstance(value, (list, tuple, range)):
        return Items([(True, v) for v in value])
    if isinstance(value, SymList):
        return Items([(k < value.length, v) for k, v in enumerate(value.items)])
    if isinstance(value, (SymSeq, SymRange, Quantified)):
        raise NotSymbolic("folding (sum/count/min/max) over a sequence of unbounded length")
    raise SymbolicError(f"expected a list, got {type(value).__name__}")


def membership(ctx: SymContext, item: Any, container: Any) -> Any:
    if isinstance(container, str):
        if isinstance(item, str):
            return item in container
        raise NotSymbolic("substring test with a symbolic string")
    if isinstance(container, (range, SymRange)):
        start, stop = (container.start, container.stop)
        if isinstance(container, range) and container.step != 1:
            return sym_or(*(sym_eq(ctx, item, v) for v in container))
        return sym_and(sym_compare(ctx, "<=", start, item), sym_compare(ctx, "<", item, stop))
    if isinstance(container, SymSeq):
        i = z3.Int(ctx.fresh_name("i"))
        body = to_bool(sym_eq(ctx, item, z3.Select(container.array, i)))
        return z3.Exists([i], z3.And(i >= 0, i < container.length, body))
    return sym_or(*(sym_and(g, sym_eq(ctx, item, v)) for g, v in as_items(container).pairs))


def _sizeof(ctx: SymContext, dtype: Any) -> Any:
    if not isinstance(dtype, SymStr):
        raise SymbolicError(f"sizeof() needs a dtype name, got {type(dtype).__name__}")
    codes = [(ctx.code(name), size) for name, size in DTYPE_SIZES.items()]
    ctx.require(z3.Or(*(dtype.code == c for c, _ in codes)), "sizeof() of an unknown dtype")
    result: Any = ctx.int_val(codes[-1][1]) if ctx.bitvec else z3.IntVal(codes[-1][1])
    for code, size in reversed(codes[:-1]):
        result = z3.If(dtype.code == code, size, result)
    return result


def _extremum(ctx: SymContext, pick: str, args: list[Any]) -> Any:
    pairs = as_items(args[0]).pairs if len(args) == 1 else [(True, a) for a in args]
    ctx.require(sym_or(*(g for g, _ in pairs)), f"{pick}() of an empty sequence")
    op = ">" if pick == "max" else "<"
    best: Any = None
    seen: Any = False
    for guard, value in pairs:
        if best is None:
            best = value
        else:
            better = sym_and(guard, sym_or(sym_not(seen), sym_compare(ctx, op, value, best)))
            best = sym_if(better, value, best)
        seen = sym_or(seen, guard)
    return best


def _fold_sum(ctx: SymContext, items: Items) -> Any:
    total: Any = 0
    for guard, value in items.pairs:
        total = arith(ctx, "+", total, sym_if(guard, value, 0) if guard is not True else value)
    return total


def _all(ctx: SymContext, value: Any) -> Any:
    if isinstance(value, Quantified):
        return z3.ForAll([value.var], z3.Implies(to_bool(value.guard), to_bool(truthy(value.value))))
    if isinstance(value, SymSeq):
        i = z3.Int(ctx.fresh_name("i"))
        return z3.ForAll([i], z3.Implies(z3.And(i >= 0, i < value.length), to_bool(truthy(z3.Select(value.array, i)))))
    return sym_and(*(sym_implies(g, truthy(v)) for g, v in as_items(value).pairs))


def _any(ctx: SymContext, value: Any) -> Any:
    if isinstance(value, Quantified):
        return z3.Exists([value.var], z3.And(to_bool(value.guard), to_bool(truthy(value.value))))
    if isinstance(value, SymSeq):
        i = z3.Int(ctx.fresh_name("i"))
        return z3.Exists([i], z3.And(i >= 0, i < value.length, to_bool(truthy(z3.Select(value.array, i)))))
    return sym_or(*(sym_and(g, truthy(v)) for g, v in as_items(value).pairs))


def _len(ctx: SymContext, value: Any) -> Any:
    if isinstance(value, (SymList, SymSeq)):
        return value.length
    if isinstance(value, SymRange):
        return z3.If(value.stop > value.start, value.stop - value.start, 0)
    if isinstance(value, str):
        return len(value)
    return _fold_sum(ctx, Items([(g, 1) for g, _ in as_items(value).pairs]))


def _append(ctx: SymContext, xs: Any, v: Any) -> Any:
    if isinstance(xs, SymSeq):
        return SymSeq(z3.Store(xs.array, xs.length, v), xs.length + 1)
    if isinstance(xs, (list, tuple)):
        return [*xs, v]
    if isinstance(xs, SymList):
        if not is_sym(xs.length):
            return SymList((*xs.items[: xs.length], v), xs.length + 1)
        items = tuple(_pick(ctx, k == xs.length, v, item) for k, item in enumerate(xs.items))
        return SymList((*items, v), xs.length + 1)
    raise NotSymbolic(f"append() to {type(xs).__name__}")


def _pick(ctx: SymContext, cond: Any, a: Any, b: Any) -> Any:
    if isinstance(a, (str, SymStr)) or isinstance(b, (str, SymStr)):
        ca = a.code if isinstance(a, SymStr) else ctx.code(a)
        cb = b.code if isinstance(b, SymStr) else ctx.code(b)
        return SymStr(sym_if(cond, ca, cb)) if is_sym(cond) else (a if cond else b)
    return sym_if(cond, a, b)


def _to_int(ctx: SymContext, x: Any) -> Any:
    if isinstance(x, (z3.BitVecRef,)) or (isinstance(x, z3.ArithRef) and x.is_int()):
        return x
    if isinstance(x, z3.ArithRef):
        return z3.If(x >= 0, z3.ToInt(x), -z3.ToInt(-x))  # truncation toward zero
    raise SymbolicError(f"int() of {type(x).__name__}")


def _to_float(ctx: SymContext, x: Any) -> Any:
    if isinstance(x, z3.ArithRef):
        return z3.ToReal(x) if x.is_int() else x
    raise NotSymbolic(f"float() of {type(x).__name__}")


def _abs(ctx: SymContext, x: Any) -> Any:
    return sym_if(sym_compare(ctx, ">=", x, 0), x, neg(ctx, x))


_SYMBOLIC: dict[str, Callable[..., Any]] = {
    "sizeof": _sizeof,
    "abs": _abs,
    "min": lambda ctx, *a: _extremum(ctx, "min", list(a)),
    "max": lambda ctx, *a: _extremum(ctx, "max", list(a)),
    "sum": lambda ctx, xs: _fold_sum(ctx, as_items(xs)),
    "count": lambda ctx, xs: _fold_sum(ctx, Items([(sym_and(g, truthy(v)), 1) for g, v in as_items(xs).pairs])),
    "len": _len,
    "all": _all,
    "any": _any,
    "range": lambda ctx, *a: SymRange(0, a[0]) if len(a) == 1 else _range2(a),
    "ceil_div": lambda ctx, a, b: neg(ctx, arith(ctx, "//", neg(ctx, a), b)),
    "floor_div": lambda ctx, a, b: arith(ctx, "//", a, b),
    "isfinite": lambda ctx, x: True,  # the symbolic world is the reals: no NaN, no infinity
    "append": _append,
    "contains": lambda ctx, s, part: membership(ctx, part, s),
    "int": _to_int,
    "float": _to_float,
}


def _range2(args: tuple[Any, ...]) -> SymRange:
    if len(args) == 3:
        raise NotSymbolic("range() with a step and a symbolic bound")
    return SymRange(args[0], args[1])


def _has_sym(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_has_sym(v) for v in value)
    return is_sym(value) or isinstance(value, (Items, Quantified, SymRange))


def call_builtin(ctx: SymContext, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``name(*args, **kwargs)``: concrete when every argument is, else symbolic."""
    builtin = BUILTINS.get(name)
    if builtin is None:
        raise SymbolicError(f"unknown function '{name}'")
    if builtin.lazy:
        raise NotSymbolic(f"{name}() has no symbolic form")
    if not _has_sym(args) and not _has_sym(list(kwargs.values())):
        plain = [list(v) if isinstance(v, Items) else v for v in args]
        try:
            result = builtin.impl(*plain, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a concrete error on this path is a side condition
            ctx.require(False, f"{name}() fails: {exc}")
            return 0
        return list(result) if isinstance(result, range) else result
    form = _SYMBOLIC.get(name)
    if form is None or kwargs:
        raise NotSymbolic(f"{name}() has no symbolic form")
    return form(ctx, *args)
