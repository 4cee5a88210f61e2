"""The symbolic interpreter: the expression tree as Z3 terms.

``translate(node, scope, ctx)`` walks the same tree as ``concrete.evaluate``
and returns a mix of Python values (where everything below is known: partial
evaluation) and z3 terms; ``ctx`` collects the side conditions under which
the expression is defined (divisors non-zero, indices in range, widths not
exceeded), each guarded by the path condition it arose under.

Names resolve through the :class:`~kvcontract.expr.scope.Scope`: equations
(:class:`EquationFn`) are inlined with their parameters bound; implementation
functions (:class:`ImplFn`) are traced (``symbolic_trace``).  What has no
symbolic form raises :class:`NotSymbolic` so the caller can enumerate instead.
"""
from __future__ import annotations

from typing import Any

import z3

from . import nodes as n
from .builtins import BUILTINS
from .printer import to_text
from .scope import EquationFn, ImplFn, Scope
from .symbolic_builtins import Items, Quantified, SymRange, as_items, call_builtin, membership, truthy
from .symbolic_arith import arith, neg, sym_compare
from .symbolic_trace import call_traced
from .symbolic_values import (
    NotSymbolic,
    SideCondition,
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

__all__ = [
    "translate",
    "translate_bool",
    "SymContext",
    "NotSymbolic",
    "SymbolicError",
    "SideCondition",
    "SymStr",
    "SymList",
    "SymSeq",
]

_MAX_CALL_DEPTH = 40


def translate_bool(node: n.Node, scope: Scope, ctx: SymContext) -> z3.BoolRef:
    """``translate`` for a property: always a z3 boolean term."""
    return to_bool(truthy(translate(node, scope, ctx)))


def translate(node: n.Node, scope: Scope, ctx: SymContext) -> Any:
    method = _DISPATCH.get(type(node))
    if method is None:
        raise SymbolicError(f"cannot translate {type(node).__name__}")
    return method(node, scope, ctx)


def _name(node: n.Name, scope: Scope, ctx: SymContext) -> Any:
    if node.id in scope.values:
        return scope.values[node.id]
    if node.id in scope.functions:
        return _call_function(scope.functions[node.id], (), {}, scope, ctx)
    raise SymbolicError(f"unknown name '{node.id}'")


def _unary(node: n.Unary, scope: Scope, ctx: SymContext) -> Any:
    value = translate(node.operand, scope, ctx)
    if node.op == "not":
        return sym_not(truthy(value))
    if node.op == "-":
        return neg(ctx, value, node.span)
    return arith(ctx, "+", 0, value, node.span) if is_sym(value) else +value


def _binary(node: n.Binary, scope: Scope, ctx: SymContext) -> Any:
    if node.op == "@":
        raise NotSymbolic("matrix product has no symbolic form")
    left = translate(node.left, scope, ctx)
    right = translate(node.right, scope, ctx)
    if node.op == "+" and isinstance(left, (list, SymList)) and isinstance(right, (list, SymList)):
        if isinstance(left, list) and isinstance(right, list):
            return left + right
        raise NotSymbolic("concatenating lists of symbolic length")
    ctx.label = ctx.snippet(node.span) or to_text(node)
    try:
        result = arith(ctx, node.op, left, right, node.span)
    finally:
        ctx.label = None
    return result


def _boolop(node: n.BoolOp, scope: Scope, ctx: SymContext) -> Any:
    # Python short-circuits: operand k is only evaluated when the earlier ones
    # did not decide, so its side conditions hold only on that path.
    results: list[Any] = []
    undecided: Any = True
    for operand in node.values:
        with ctx.guarded(undecided):
            value = truthy(translate(operand, scope, ctx))
        results.append(value)
        undecided = sym_and(undecided, value if node.op == "and" else sym_not(value))
        if undecided is False:
            break
    return sym_and(*results) if node.op == "and" else sym_or(*results)


def _implies(node: n.Implies, scope: Scope, ctx: SymContext) -> Any:
    premise = truthy(translate(node.premise, scope, ctx))
    if premise is False:
        return True
    with ctx.guarded(premise):
        conclusion = truthy(translate(node.conclusion, scope, ctx))
    return sym_implies(premise, conclusion)


def _compare(node: n.Compare, scope: Scope, ctx: SymContext) -> Any:
    left = translate(node.left, scope, ctx)
    parts: list[Any] = []
    for op, comparator in zip(node.ops, node.comparators):
        with ctx.guarded(sym_and(*parts)):
            right = translate(comparator, scope, ctx)
        if op in ("in", "not_in"):
            part = membership(ctx, left, right)
            part = sym_not(part) if op == "not_in" else part
        else:
            part = sym_compare(ctx, op, left, right)
        parts.append(part)
        if part is False:
            break
        left = right
    return sym_and(*parts)


def _interval(node: n.Interval, scope: Scope, ctx: SymContext) -> Any:
    value = translate(node.value, scope, ctx)
    lo = translate(node.lo, scope, ctx)
    hi = translate(node.hi, scope, ctx)
    return sym_and(
        sym_compare(ctx, "<=" if node.lo_closed else "<", lo, value),
        sym_compare(ctx, "<=" if node.hi_closed else "<", value, hi),
    )


def _ifexp(node: n.IfExp, scope: Scope, ctx: SymContext) -> Any:
    cond = truthy(translate(node.cond, scope, ctx))
    if not is_sym(cond):
        return translate(node.then if cond else node.orelse, scope, ctx)
    with ctx.guarded(cond):
        then = translate(node.then, scope, ctx)
    with ctx.guarded(sym_not(cond)):
        orelse = translate(node.orelse, scope, ctx)
    if isinstance(then, (str, SymStr)) or isinstance(orelse, (str, SymStr)):
        if not isinstance(then, (str, SymStr)) or not isinstance(orelse, (str, SymStr)):
            raise NotSymbolic("a conditional mixing a string and a non-string")
        codes = [v.code if isinstance(v, SymStr) else ctx.code(v) for v in (then, orelse)]
        return SymStr(z3.If(cond, codes[0], codes[1]))
    return sym_if(cond, then, orelse)


def _listlit(node: n.ListLit, scope: Scope, ctx: SymContext) -> Any:
    return [translate(item, scope, ctx) for item in node.items]


def _raises(node: n.Call, scope: Scope, ctx: SymContext) -> Any:
    """``raises(expr, 'Name')``: true on the traced paths where an implementation call in
    ``expr`` raises an exception whose class (or a base) is ``Name`` -- the concrete
    builtin's meaning; a raise of another class makes it false, as concretely."""
    wanted = "Exception"
    if len(node.args) == 2:
        if not isinstance(node.args[1], n.Str):
            raise SymbolicError("raises(expr, 'ExceptionName'): the class name must be a string literal")
        wanted = node.args[1].value
    if len(node.args) not in (1, 2) or node.kwargs:
        raise SymbolicError("raises() takes an expression and an optional exception class name")
    saved, ctx.raise_capture = ctx.raise_capture, []
    try:
        translate(node.args[0], scope, ctx)
        captured = ctx.raise_capture
    finally:
        ctx.raise_capture = saved
    if len({call for _, _, call in captured}) > 1:
        # Concretely the first raise wins; which one is first is not tracked across calls.
        raise NotSymbolic("raises() around more than one implementation call that can raise")
    matching = [cond for cond, exc, _ in captured
                if any(cls.__name__ == wanted for cls in type(exc).__mro__)]
    return z3.Or(*matching) if matching else False


def _call(node: n.Call, scope: Scope, ctx: SymContext) -> Any:
    if node.func == "raises" and node.func not in scope.functions:
        return _raises(node, scope, ctx)
    if len(node.args) == 1 and isinstance(node.args[0], n.Generator):
        args: list[Any] = [_iterate(node.args[0], scope, ctx)]
    else:
        args = [translate(arg, scope, ctx) for arg in node.args]
    kwargs = {key: translate(value, scope, ctx) for key, value in node.kwargs}
    if node.func in scope.functions:
        return _call_function(scope.functions[node.func], tuple(args), kwargs, scope, ctx)
    if node.func in BUILTINS:
        return call_builtin(ctx, node.func, args, kwargs)
    raise SymbolicError(f"unknown function '{node.func}'")


def _call_function(fn: Any, args: tuple, kwargs: dict, scope: Scope, ctx: SymContext) -> Any:
    try:
        bound = scope.bind_call(fn, args, kwargs)
    except KeyError as exc:
        raise SymbolicError(f"{fn.name}(): no value for parameter {exc.args[0]!r}") from None
    except TypeError as exc:
        raise SymbolicError(str(exc)) from None
    if ctx.depth >= _MAX_CALL_DEPTH:
        raise SymbolicError(f"{fn.name}(): calls nested deeper than {_MAX_CALL_DEPTH} (a recursive definition?)")
    ctx.depth += 1
    try:
        if isinstance(fn, EquationFn):
            outer, ctx.function = ctx.function, fn.equation or fn.name
            try:
                return translate(fn.body, scope.with_values(bound), ctx)
            finally:
                ctx.function = outer
        if isinstance(fn, ImplFn):
            return call_traced(fn.fn, [bound[p] for p in fn.params], ctx, fn.target or fn.name, fn.returns)
        raise SymbolicError(f"'{fn}' is not callable")
    finally:
        ctx.depth -= 1


def _iterate(gen: n.Generator, scope: Scope, ctx: SymContext) -> Items | Quantified:
    """The elements of ``elt for var in iter if cond``, unrolled or quantified."""
    source = translate(gen.iter, scope, ctx)
    if isinstance(source, (SymRange, SymSeq)):
        return _quantified(gen, source, scope, ctx)
    pairs = []
    for guard, item in as_items(source).pairs:
        inner = scope.with_values({gen.var: item})
        with ctx.guarded(guard):
            keep = truthy(translate(gen.cond, inner, ctx)) if gen.cond is not None else True
            present = sym_and(guard, keep)
            if present is False:
                continue
            with ctx.guarded(keep):
                value = translate(gen.elt, inner, ctx)
        pairs.append((present, value))
    return Items(pairs)


def _quantified(gen: n.Generator, source: Any, scope: Scope, ctx: SymContext) -> Quantified:
    """Iteration over an unbounded range/sequence: a bound index ``i``.

    Side conditions raised for the element are closed with ``ForAll i``.
    """
    i = z3.Int(ctx.fresh_name(gen.var))
    if isinstance(source, SymRange):
        in_range = z3.And(i >= source.start, i < source.stop)
        item: Any = i
    else:
        in_range = z3.And(i >= 0, i < source.length)
        item = z3.Select(source.array, i)
    inner = scope.with_values({gen.var: item})
    before = len(ctx.side_conditions)
    with ctx.guarded(in_range):
        keep = truthy(translate(gen.cond, inner, ctx)) if gen.cond is not None else True
        with ctx.guarded(keep):
            value = translate(gen.elt, inner, ctx)
    raised = ctx.side_conditions[before:]
    del ctx.side_conditions[before:]
    for side in raised:
        ctx.side_conditions.append(SideCondition(z3.ForAll([i], side.condition), side.message, side.span, side.kind))
    return Quantified(i, sym_and(in_range, keep), value)


def _subscript(node: n.Subscript, scope: Scope, ctx: SymContext) -> Any:
    container = translate(node.value, scope, ctx)
    if isinstance(node.index, n.Slice):
        lo = translate(node.index.lo, scope, ctx) if node.index.lo is not None else None
        hi = translate(node.index.hi, scope, ctx) if node.index.hi is not None else None
        return _slice(container, lo, hi, ctx, node.span)
    index = translate(node.index, scope, ctx)
    if not is_sym(container) and not is_sym(index):
        try:
            return container[index]
        except (IndexError, KeyError, TypeError) as exc:
            ctx.require(False, f"{ctx.snippet(node.span) or 'subscript'} fails: {exc}", node.span)
            return 0
    if isinstance(container, (list, tuple)):
        container = SymList(tuple(container), len(container))
    if not isinstance(container, (SymList, SymSeq)):
        raise NotSymbolic(f"subscript of {type(container).__name__}")
    length = container.length
    position = index if (isinstance(index, int) and index >= 0) else sym_if(
        sym_compare(ctx, "<", index, 0), arith(ctx, "+", index, length), index)
    ctx.require(sym_and(sym_compare(ctx, "<=", 0, position), sym_compare(ctx, "<", position, length)),
                f"index out of range in {ctx.snippet(node.span) or 'subscript'}", node.span, kind="index")
    if isinstance(container, SymSeq):
        return z3.Select(container.array, position)
    return _select(ctx, container.items, position)


def _select(ctx: SymContext, items: tuple[Any, ...], position: Any) -> Any:
    if not is_sym(position):
        return items[position] if 0 <= position < len(items) else 0
    if not items:
        return 0
    strings = any(isinstance(v, (str, SymStr)) for v in items)
    values = [(ctx.code(v) if isinstance(v, str) else v.code) if strings else v for v in items]
    result = values[-1]
    for k in range(len(values) - 2, -1, -1):
        result = sym_if(position == k, values[k], result)
    return SymStr(result) if strings else result


def _slice(container: Any, lo: Any, hi: Any, ctx: SymContext, span: tuple[int, int]) -> Any:
    if not is_sym(container) and not is_sym(lo) and not is_sym(hi):
        return container[lo:hi]
    if isinstance(container, (list, tuple)):
        container = SymList(tuple(container), len(container))
    if not isinstance(container, (SymList, SymSeq)):
        raise NotSymbolic(f"slice of {type(container).__name__}")
    length = container.length
    start = _clamp_index(ctx, 0 if lo is None else lo, length)
    end = _clamp_index(ctx, length if hi is None else hi, length)
    new_length = sym_if(sym_compare(ctx, ">", end, start), arith(ctx, "-", end, start), 0)
    if isinstance(container, SymSeq):
        j = z3.Int(ctx.fresh_name("j"))
        return SymSeq(z3.Lambda([j], z3.Select(container.array, j + start)), new_length)
    if not is_sym(start):
        return SymList(container.items[start:], new_length)
    raise NotSymbolic("a slice with a symbolic start of a bounded list")


def _clamp_index(ctx: SymContext, index: Any, length: Any) -> Any:
    """Python's slice-bound normalisation: negative counts from the end, clamp to [0, len]."""
    if not is_sym(index) and not is_sym(length):
        return max(0, min(index + length if index < 0 else index, length))
    from_end = sym_if(sym_compare(ctx, "<", index, 0), arith(ctx, "+", index, length), index)
    low = sym_if(sym_compare(ctx, "<", from_end, 0), 0, from_end)
    return sym_if(sym_compare(ctx, ">", low, length), length, low)


def _literal(node: Any, scope: Scope, ctx: SymContext) -> Any:
    return node.value


def _generator(node: n.Generator, scope: Scope, ctx: SymContext) -> Any:
    raise SymbolicError("a generator is only allowed as the sole argument of a call")


_DISPATCH = {
    n.Num: _literal,
    n.Str: _literal,
    n.Bool: _literal,
    n.Name: _name,
    n.ListLit: _listlit,
    n.Unary: _unary,
    n.Binary: _binary,
    n.BoolOp: _boolop,
    n.Implies: _implies,
    n.Compare: _compare,
    n.Interval: _interval,
    n.IfExp: _ifexp,
    n.Call: _call,
    n.Subscript: _subscript,
    n.Generator: _generator,
}
