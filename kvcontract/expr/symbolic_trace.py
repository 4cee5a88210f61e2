"""Symbolic tracing of an implementation: call the Python function on tracers.

A :class:`Traced` wraps a z3 numeric term and implements Python's number
protocol with Python's semantics (via ``symbolic_values.arith``), so
``2 * n_kv * d_k * SIZES[dtype]`` traced with symbolic ``n_kv`` and ``d_k``
builds the z3 term of the implementation.  Anything that needs the concrete
value -- ``if x > 0:`` (``__bool__``), ``int(x)``, ``range(x)``, ``x`` as a
dict key, numpy -- raises :class:`NotSymbolic`, and the caller falls back to
exhaustive enumeration.  Raw z3 terms are never handed to user code: z3's own
operators have Euclidean division and integer ``/``, which would silently give
a wrong trace.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable, Sequence

import z3

from .symbolic_arith import arith, neg, sym_compare
from .symbolic_values import NotSymbolic, SymContext, SymList, SymSeq, SymStr, is_sym

__all__ = ["Traced", "call_traced"]


class Traced:
    """A number whose value is a z3 term; only exact, branch-free operations work."""

    __slots__ = ("term", "ctx")

    def __init__(self, term: Any, ctx: SymContext):
        self.term = term
        self.ctx = ctx

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, z3.BoolRef):
            return TracedBool(value, self.ctx)
        return Traced(value, self.ctx) if is_sym(value) else value

    def _op(self, op: str, other: Any, reverse: bool = False) -> Any:
        other = _unwrap(other)
        if not isinstance(other, (int, float, z3.ArithRef, z3.BitVecRef)) or isinstance(other, bool):
            return NotImplemented
        a, b = (other, self.term) if reverse else (self.term, other)
        return self._wrap(arith(self.ctx, op, a, b))

    def __add__(self, o): return self._op("+", o)
    def __radd__(self, o): return self._op("+", o, True)
    def __sub__(self, o): return self._op("-", o)
    def __rsub__(self, o): return self._op("-", o, True)
    def __mul__(self, o): return self._op("*", o)
    def __rmul__(self, o): return self._op("*", o, True)
    def __truediv__(self, o): return self._op("/", o)
    def __rtruediv__(self, o): return self._op("/", o, True)
    def __floordiv__(self, o): return self._op("//", o)
    def __rfloordiv__(self, o): return self._op("//", o, True)
    def __mod__(self, o): return self._op("%", o)
    def __rmod__(self, o): return self._op("%", o, True)
    def __pow__(self, o): return self._op("**", o)
    def __neg__(self): return self._wrap(neg(self.ctx, self.term))
    def __pos__(self): return self

    def __abs__(self):
        return self._wrap(z3.If(self.term >= 0, self.term, -self.term))

    def _cmp(self, op: str, other: Any) -> Any:
        other = _unwrap(other)
        if not isinstance(other, (int, float, z3.ArithRef, z3.BitVecRef)) or isinstance(other, bool):
            return NotImplemented
        return TracedBool(sym_compare(self.ctx, op, self.term, other), self.ctx)

    def __lt__(self, o): return self._cmp("<", o)
    def __le__(self, o): return self._cmp("<=", o)
    def __gt__(self, o): return self._cmp(">", o)
    def __ge__(self, o): return self._cmp(">=", o)
    def __eq__(self, o): return self._cmp("==", o)  # type: ignore[override]
    def __ne__(self, o): return self._cmp("!=", o)  # type: ignore[override]

    def _concrete(self, *_args: Any) -> Any:
        raise _fail(self.ctx, "the implementation needs a concrete value (int(), index, range, key)")

    __bool__ = __int__ = __index__ = __float__ = __hash__ = __round__ = _concrete  # type: ignore[assignment]
    __trunc__ = __floor__ = __ceil__ = __complex__ = _concrete

    def __array__(self, *_args: Any, **_kwargs: Any):
        raise _fail(self.ctx, "the implementation uses numpy")

    def __repr__(self) -> str:
        return f"Traced({self.term})"


class TracedBool:
    """A symbolic boolean: branching on it (``if``/``and``/``or``) is not traceable."""

    __slots__ = ("term", "ctx")

    def __init__(self, term: Any, ctx: SymContext):
        self.term = term
        self.ctx = ctx

    def __bool__(self) -> bool:
        if isinstance(self.term, bool):
            return self.term
        raise _fail(self.ctx, "the implementation branches on a symbolic value")

    __hash__ = None  # type: ignore[assignment]


def _fail(ctx: SymContext, reason: str) -> NotSymbolic:
    """Remember the failure on ``ctx``: an implementation that swallows the
    exception (``except Exception: return 0``) must not yield a bogus trace."""
    ctx.trace_failures.append(reason)
    return NotSymbolic(reason)


def _unwrap(value: Any) -> Any:
    if isinstance(value, Traced):
        return value.term
    if isinstance(value, TracedBool):
        return value.term
    return value


def _wrap_argument(value: Any, ctx: SymContext) -> Any:
    if isinstance(value, SymStr):
        raise NotSymbolic("a string argument is symbolic (enumerate it)")
    if isinstance(value, (SymList, SymSeq)):
        if isinstance(value, SymList) and not is_sym(value.length):
            return [_wrap_argument(v, ctx) for v in value.items[: value.length]]
        raise NotSymbolic("a list argument of symbolic length")
    if isinstance(value, list):
        return [_wrap_argument(v, ctx) for v in value]
    if isinstance(value, z3.BoolRef):
        return TracedBool(value, ctx)
    if isinstance(value, z3.ExprRef):
        return Traced(value, ctx)
    return value


def _result(value: Any) -> Any:
    if isinstance(value, (Traced, TracedBool)):
        return value.term
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_result(v) for v in value]
    raise NotSymbolic(f"the implementation returned {type(value).__name__}, not a number")


def _unchecked(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The implementation behind the binder's return-type check (``bind.scope``).

    That wrapper rejects a Traced result as "not an int"; the declared type is
    checked on the traced term instead (:func:`_check_returns`).  Only this one
    wrapper is removed: a user's own decorators keep their meaning.
    """
    code = getattr(fn, "__code__", None)  # functools.wraps copies names, not the code object
    if code is not None and hasattr(fn, "__wrapped__") and \
            getattr(code, "co_qualname", code.co_name) == "_type_checked.<locals>.checked" and \
            code.co_filename.replace("\\", "/").endswith("kvcontract/bind/scope.py"):
        return fn.__wrapped__
    return fn


def _check_returns(value: Any, returns: str, name: str) -> Any:
    ok = {
        "int": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, z3.BitVecRef)
        or (isinstance(v, z3.ArithRef) and v.is_int()),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) or isinstance(v, z3.ArithRef),
        "bool": lambda v: isinstance(v, (bool, z3.BoolRef)),
    }.get(returns)
    if ok is not None and not ok(value):
        # Not traceable, so the concrete run reports the wrong type with the binder's own message.
        raise NotSymbolic(f"{name} returned {value!r} for a declared {returns}")
    return value


def call_traced(fn: Callable[..., Any], args: Sequence[Any], ctx: SymContext, name: str = "",
                returns: str = "any") -> Any:
    """``fn(*args)`` on tracers; the result as a z3 term or Python value.

    Any failure while tracing means "not traceable", never a verdict: the
    caller runs the implementation concretely instead, where real errors show.
    """
    fn = _unchecked(fn)
    wrapped = [_wrap_argument(a, ctx) for a in args]
    failures_before = len(ctx.trace_failures)
    try:
        value = fn(*wrapped)
    except NotSymbolic:
        raise
    except z3.Z3Exception as exc:
        raise NotSymbolic(f"{name or 'implementation'}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure on tracers means "trace not possible"
        last = traceback.extract_tb(exc.__traceback__)[-1]
        raise NotSymbolic(
            f"{name or 'implementation'} cannot be traced ({type(exc).__name__}: {exc} at line {last.lineno})"
        ) from None
    if len(ctx.trace_failures) > failures_before:
        raise NotSymbolic(ctx.trace_failures[-1])
    return _check_returns(_result(value), returns, name or "implementation")
