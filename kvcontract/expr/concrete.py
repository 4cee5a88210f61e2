"""Evaluate an expression tree over concrete Python and numpy values.

Semantics (docs/contract-format.md, "The expression language"):

* ``//`` and ``%`` are Python's: ``//`` floors toward negative infinity and the
  remainder ``%`` takes the divisor's sign (``-7 // 2 == -4``, ``-7 % 2 == 1``).
  ``/`` is true division.  Dividing (``/ // %``) by zero, including by an
  array that holds a zero, is an :class:`EvalError`, never ``inf``.
* ``==`` (and ``=``, the same test) on numpy arrays is ``np.array_equal``:
  one boolean, false when the shapes differ.  Lists compare item by item the
  same way, a ``range`` compares as the list of its items.
* ``<``, ``<=``, ``>``, ``>=`` with an array operand are elementwise (a bool
  array, for ``all(W >= 0)``) when they stand alone, not in a chain.
* ``and``/``or`` short-circuit and give a bool; ``A => B`` is ``not A or B``
  (``B`` is not evaluated when ``A`` is false); comparison chains are Python's
  (``a < b < c`` evaluates ``b`` once, stops at the first false link).  The
  truth value of an array is an error: write ``all(...)``/``any(...)``.
* A name is a variable first; otherwise a function of the scope, called with
  every parameter from the current values.  Calls bind via ``Scope.bind_call``
  (calls and generators: :mod:`kvcontract.expr.concrete_calls`).
* An implementation (:class:`ImplFn`) that raises becomes an
  :class:`ImplementationError` carrying its own traceback; ``KeyboardInterrupt``
  and ``SystemExit`` are never caught.

:func:`explain` re-evaluates a violated condition and lists every
sub-expression with its value, icontract style.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..diagnostics import did_you_mean
from . import nodes as n
from .builtins import BUILTINS
from .concrete_calls import CallRules
from .concrete_support import (
    EvalError,
    ImplementationError,
    is_zero_divisor,
    short_repr,
    short_repr_text,
    values_equal,
)
from .scope import Scope

__all__ = ["EvalError", "ImplementationError", "evaluate", "explain", "short_repr"]

_MAX_POWER_BITS = 100_000  # int ** int results larger than this are refused, not computed
_MAX_SEQUENCE = 10_000_000  # list * int results longer than this are refused


def evaluate(node: n.Node, scope: Scope) -> Any:
    """The value of ``node`` with names resolved in ``scope``."""
    return _Evaluator(scope).visit(node)


def explain(node: n.Node, scope: Scope, text: str) -> list[tuple[str, str]]:
    """``(source text, short value)`` of each sub-expression, in evaluation order.

    Literals are left out, and so is everything evaluated inside a generator or
    an equation's body (their text is elsewhere).  A sub-expression that fails
    shows its error as the value; implementation calls run once per argument
    tuple within one explanation.
    """
    evaluator = _Evaluator(scope, record=[], text=text)
    try:
        evaluator.visit(node)
    except (EvalError, ImplementationError):
        pass  # already recorded at the node where it happened
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in evaluator.record:
        if item not in seen:
            seen.add(item)
            unique.append(item)
    return unique


def _is_literal(node: n.Node) -> bool:
    if isinstance(node, n.Unary) and node.op in "+-":
        return _is_literal(node.operand)
    return isinstance(node, (n.Num, n.Str, n.Bool))


_HANDLERS: dict[type, Any] = {}  # node type -> _Evaluator method, filled on first use


class _Evaluator(CallRules):
    def __init__(self, scope: Scope, record: list | None = None, text: str = ""):
        self.scopes = [scope]
        self.record = record
        self.text = text
        self.quiet = 0  # >0 inside generators and function bodies: their spans are not in `text`
        self.call_depth = 0
        self.cache: dict[Any, Any] | None = {} if record is not None else None
        self.function: str | None = None  # the equation whose body is being evaluated

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    def fail(self, message: str, node: n.Node) -> EvalError:
        return EvalError(message, node.span, self.function)

    def visit(self, node: n.Node) -> Any:
        if self.record is None:  # the hot path: no explanation being recorded
            return self._dispatch(node)
        if self.quiet or _is_literal(node):
            return self._dispatch(node)
        source = self.text[node.span[0]:node.span[1]]
        try:
            value = self._dispatch(node)
        except (EvalError, ImplementationError) as exc:
            if not getattr(exc, "_kv_explained", False):
                exc._kv_explained = True  # type: ignore[attr-defined]
                label = "implementation raised" if isinstance(exc, ImplementationError) else "error"
                self.record.append((source, short_repr_text(f"<{label}: {exc}>", 160)))
            raise
        self.record.append((source, short_repr(value)))
        return value

    def truth(self, value: Any, node: n.Node) -> bool:
        if isinstance(value, np.ndarray):
            raise self.fail("the truth value of an array is ambiguous: use all(...) or any(...)", node)
        return bool(value)

    def _dispatch(self, node: n.Node) -> Any:
        # One dictionary lookup per node: the handler is found by name once per node type.
        kind = type(node)
        method = _HANDLERS.get(kind)
        if method is None:
            method = getattr(_Evaluator, "_" + kind.__name__.lower(), None)
            if method is None:
                raise self.fail(f"cannot evaluate {kind.__name__}", node)
            _HANDLERS[kind] = method
        return method(self, node)

    # -- atoms --------------------------------------------------------
    def _num(self, node: n.Num) -> Any:
        return node.value

    def _str(self, node: n.Str) -> Any:
        return node.value

    def _bool(self, node: n.Bool) -> Any:
        return node.value

    def _listlit(self, node: n.ListLit) -> Any:
        return [self.visit(item) for item in node.items]

    def _name(self, node: n.Name) -> Any:
        scope = self.scope
        if node.id in scope.values:
            return scope.values[node.id]
        if node.id in scope.functions:
            return self.call_function(node.id, (), {}, node)
        if node.id in BUILTINS:
            raise self.fail(f"builtin '{node.id}' must be called, as in {node.id}(...)", node)
        hint = did_you_mean(node.id, [*scope.values, *scope.functions])
        raise self.fail(f"unknown name '{node.id}'" + (f"; {hint}" if hint else ""), node)

    # -- operators ----------------------------------------------------
    def _unary(self, node: n.Unary) -> Any:
        value = self.visit(node.operand)
        if node.op == "not":
            return not self.truth(value, node.operand)
        try:
            return -value if node.op == "-" else +value
        except TypeError as exc:
            raise self.fail(f"bad operand for unary {node.op}: {exc}", node) from None

    def _binary(self, node: n.Binary) -> Any:
        left = self.visit(node.left)
        right = self.visit(node.right)
        op = node.op
        if op in ("/", "//", "%") and is_zero_divisor(right):
            raise self.fail(f"{'division' if op != '%' else 'modulo'} by zero", node)
        self._guard_size(op, left, right, node)
        try:
            with np.errstate(all="raise", under="ignore"):
                if op == "+":
                    return left + right
                if op == "-":
                    return left - right
                if op == "*":
                    return left * right
                if op == "/":
                    return left / right
                if op == "//":
                    return left // right
                if op == "%":
                    return left % right
                if op == "**":
                    result = left ** right
                    if isinstance(result, complex):
                        raise self.fail(f"{left!r} ** {right!r} is not a real number", node)
                    return result
                if op == "@":
                    return np.matmul(np.asarray(left), np.asarray(right))
        except ZeroDivisionError:
            raise self.fail("division by zero (0 to a negative power)", node) from None
        except (TypeError, ValueError, OverflowError, ArithmeticError, FloatingPointError) as exc:
            raise self.fail(f"{op}: {exc}", node) from None
        raise self.fail(f"unknown operator {op!r}", node)

    def _guard_size(self, op: str, left: Any, right: Any, node: n.Node) -> None:
        """Refuse results that would take unbounded time or memory to build."""
        if op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if abs(left).bit_length() * right > _MAX_POWER_BITS:
                raise self.fail(f"{left} ** {right} is too large to compute", node)
        if op == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (list, str)) and isinstance(times, int) and len(seq) * times > _MAX_SEQUENCE:
                    raise self.fail("repeated sequence is too long", node)

    def _boolop(self, node: n.BoolOp) -> Any:
        want = node.op == "or"  # `or` stops at the first true operand, `and` at the first false one
        for value in node.values:
            if self.truth(self.visit(value), value) == want:
                return want
        return not want

    def _implies(self, node: n.Implies) -> Any:
        if not self.truth(self.visit(node.premise), node.premise):
            return True
        return self.truth(self.visit(node.conclusion), node.conclusion)

    def _compare(self, node: n.Compare) -> Any:
        left = self.visit(node.left)
        if len(node.ops) == 1:  # a lone ordering of arrays stays elementwise: all(W >= 0)
            return self.compare(node.ops[0], left, self.visit(node.comparators[0]), node, elementwise=True)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.visit(right_node)
            if not self.compare(op, left, right, node):
                return False
            left = right
        return True

    def compare(self, op: str, a: Any, b: Any, node: n.Node, elementwise: bool = False) -> Any:
        if op in ("==", "="):
            return values_equal(a, b)
        if op == "!=":
            return not values_equal(a, b)
        if op in ("in", "not_in"):
            try:
                if isinstance(b, str):
                    found = isinstance(a, str) and a in b
                else:
                    found = any(values_equal(a, item) for item in b)
            except TypeError:
                raise self.fail(f"'{op.replace('_', ' ')}' needs a list, range, array or string on the right", node) from None
            return found if op == "in" else not found
        try:
            result = {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}[op]()
        except TypeError as exc:
            raise self.fail(f"cannot compare: {exc}", node) from None
        if elementwise and isinstance(result, np.ndarray):
            return result
        return self.truth(result, node)

    def _interval(self, node: n.Interval) -> Any:
        value, lo, hi = self.visit(node.value), self.visit(node.lo), self.visit(node.hi)
        above = self.compare("<=" if node.lo_closed else "<", lo, value, node)
        below = self.compare("<=" if node.hi_closed else "<", value, hi, node)
        return above and below

    def _ifexp(self, node: n.IfExp) -> Any:
        if self.truth(self.visit(node.cond), node.cond):
            return self.visit(node.then)
        return self.visit(node.orelse)

    def _subscript(self, node: n.Subscript) -> Any:
        value = self.visit(node.value)
        if isinstance(node.index, n.Slice):
            lo = None if node.index.lo is None else self.index_value(self.visit(node.index.lo), node.index.lo)
            hi = None if node.index.hi is None else self.index_value(self.visit(node.index.hi), node.index.hi)
            key: Any = slice(lo, hi)
        else:
            key = self.index_value(self.visit(node.index), node.index)
        try:
            return value[key]
        except IndexError:
            raise self.fail(f"index {key} out of range for length {len(value)}", node) from None
        except (TypeError, KeyError) as exc:
            raise self.fail(f"cannot subscript {type(value).__name__}: {exc}", node) from None

    def index_value(self, value: Any, node: n.Node) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise self.fail(f"an index must be an integer, got {type(value).__name__}", node)
        return int(value)
