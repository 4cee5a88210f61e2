"""The builtin functions of the expression language: signatures and concrete code.

:data:`BUILTINS` maps each name to a :class:`Builtin`, the one place the type
checker, the validator, the concrete interpreter and the symbolic interpreter
ask "is this a builtin, how many arguments, of what types, returning what".

Types are written as tags so this module needs nothing from the type checker:
``int``, ``real`` (int or float), ``bool``, ``str``, ``list``, ``array``,
``iterable`` (list, range, array, string or a generator), ``any``.  Result tags
are the same plus ``arg0`` (the type of the first argument), ``elem`` (the
element type of the sole iterable argument, or the join of the arguments) and
``list[int]``.

A concrete implementation is a plain Python function of already evaluated
arguments; it may raise any ``Exception``, which the interpreter reports as an
evaluation error at the call.  ``raises`` is a lazy special form: the
interpreter handles it itself (see :mod:`kvcontract.expr.concrete`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Builtin", "BUILTINS", "DTYPE_SIZES", "MAX_ARRAY_ELEMENTS", "is_builtin", "check_arity"]

DTYPE_SIZES: Mapping[str, int] = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}
# zeros()/ones() refuse to allocate more than this: a drawn size must not exhaust memory.
MAX_ARRAY_ELEMENTS = 10_000_000


@dataclass(frozen=True)
class Builtin:
    name: str
    min_args: int
    max_args: int | None  # None: any number
    arg_types: tuple[str, ...]  # per position; the last one repeats for variadic builtins
    result: str
    impl: Callable[..., Any] | None  # None for the lazy special form ``raises``
    kwargs: tuple[str, ...] = ()  # keyword arguments accepted (also positional, in this order)
    accepts_generator: bool = False  # may take ``expr for x in xs`` as its sole argument
    lazy: bool = False
    doc: str = ""

    def arg_type(self, index: int) -> str:
        if not self.arg_types:
            return "any"
        return self.arg_types[min(index, len(self.arg_types) - 1)]


def check_arity(builtin: Builtin, n_positional: int, keywords: tuple[str, ...] = ()) -> str | None:
    """An error message if a call with these arguments does not fit, else None."""
    for key in keywords:
        if key not in builtin.kwargs:
            allowed = f" (accepted: {', '.join(builtin.kwargs)})" if builtin.kwargs else ""
            return f"{builtin.name}() takes no keyword argument '{key}'{allowed}"
    n_total = n_positional + len(keywords)
    if n_total < builtin.min_args or (builtin.max_args is not None and n_total > builtin.max_args):
        if builtin.max_args is None:
            expected = f"at least {builtin.min_args}"
        elif builtin.min_args == builtin.max_args:
            expected = str(builtin.min_args)
        else:
            expected = f"{builtin.min_args} to {builtin.max_args}"
        return f"{builtin.name}() takes {expected} argument(s), got {n_total}"
    return None


# -- concrete implementations ---------------------------------------------

def _sizeof(dtype: Any) -> int:
    if not isinstance(dtype, str):
        raise TypeError(f"sizeof() needs a dtype name (a string), got {type(dtype).__name__}")
    if dtype not in DTYPE_SIZES:
        raise ValueError(f"unknown dtype {dtype!r}; known: {', '.join(DTYPE_SIZES)}")
    return DTYPE_SIZES[dtype]


def _extremum(name: str, pick: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    if len(args) == 1 and isinstance(args[0], np.ndarray):
        if args[0].size == 0:
            raise ValueError(f"{name}() of an empty array")
        return float(np.min(args[0]) if name == "min" else np.max(args[0]))
    values = list(args[0]) if len(args) == 1 else list(args)
    if not values:
        raise ValueError(f"{name}() of an empty sequence")
    return pick(values)


# Over a numpy array these look at every element (not at rows, as Python's would).
def _count(items: Any) -> int:
    if isinstance(items, np.ndarray):
        return int(np.count_nonzero(items))
    return sum(1 for item in items if item)


def _all(items: Any) -> bool:
    if isinstance(items, np.ndarray):
        return bool(np.all(items))
    return all(bool(x) for x in items)


def _any(items: Any) -> bool:
    if isinstance(items, np.ndarray):
        return bool(np.any(items))
    return any(bool(x) for x in items)


def _sum(items: Any) -> Any:
    if isinstance(items, np.ndarray):
        return float(np.sum(items))
    return sum(items)


def _range(*args: int) -> range:
    for arg in args:
        if isinstance(arg, bool) or not isinstance(arg, (int, np.integer)):
            raise TypeError(f"range() needs integers, got {type(arg).__name__}")
    return range(*(int(a) for a in args))


def _ceil_div(a: Any, b: Any) -> Any:
    return -(-a // b)


def _shape(dims: tuple[Any, ...]) -> tuple[int, ...]:
    shape = []
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"array dimensions must be integers, got {type(dim).__name__}")
        if dim < 0:
            raise ValueError(f"negative array dimension {dim}")
        shape.append(int(dim))
    if math.prod(shape) > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"array of shape {tuple(shape)} exceeds {MAX_ARRAY_ELEMENTS} elements")
    return tuple(shape)


def _zeros(*dims: int) -> np.ndarray:
    return np.zeros(_shape(dims), dtype=np.float64)


def _ones(*dims: int) -> np.ndarray:
    return np.ones(_shape(dims), dtype=np.float64)


def _isfinite(x: Any) -> bool:
    if isinstance(x, (np.ndarray, list, tuple)):
        return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))
    return math.isfinite(x)


def _elementwise(scalar: Callable[[float], float], vector: Callable[[np.ndarray], np.ndarray]):
    def apply(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            with np.errstate(all="raise", under="ignore"):
                return vector(x)
        return scalar(x)

    return apply


def _norm(x: Any) -> float:
    arr = np.asarray(x, dtype=np.float64)
    return float(np.max(np.abs(arr))) if arr.size else 0.0


def _allclose(a: Any, b: Any, atol: float = 0.0, rtol: float = 0.0) -> bool:
    """numpy's test |a - b| <= atol + rtol * |b|; different shapes are simply not close."""
    left, right = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if left.shape != right.shape:
        return False
    return bool(np.allclose(left, right, atol=atol, rtol=rtol))


def _append(xs: Any, value: Any) -> Any:
    if isinstance(xs, np.ndarray):
        return np.concatenate([xs, np.asarray(value, dtype=xs.dtype)[None, ...]], axis=0)
    return [*xs, value]


def _str_method(name: str) -> Callable[[Any, Any], bool]:
    def call(s: Any, part: Any) -> bool:
        if not isinstance(s, str) or not isinstance(part, str):
            raise TypeError(f"{name}() needs two strings")
        return bool(getattr(s, name)(part))

    return call


def _contains(container: Any, item: Any) -> bool:
    return item in container


def _to_int(x: Any) -> int:
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"int() of {x!r}")
    return int(x)


def _b(name, min_args, max_args, arg_types, result, impl, **extra) -> Builtin:
    return Builtin(name, min_args, max_args, tuple(arg_types), result, impl, **extra)


_TABLE = [
    _b("sizeof", 1, 1, ["str"], "int", _sizeof, doc="bytes per element of a dtype name"),
    _b("abs", 1, 1, ["real"], "arg0", abs),
    _b("min", 1, None, ["real"], "elem", lambda *a: _extremum("min", min, a), accepts_generator=True,
       doc="min(a, b, ...) or min(iterable)"),
    _b("max", 1, None, ["real"], "elem", lambda *a: _extremum("max", max, a), accepts_generator=True,
       doc="max(a, b, ...) or max(iterable)"),
    _b("sum", 1, 1, ["iterable"], "elem", _sum, accepts_generator=True),
    _b("count", 1, 1, ["iterable"], "int", _count, accepts_generator=True, doc="number of true items"),
    _b("len", 1, 1, ["iterable"], "int", len),
    _b("all", 1, 1, ["iterable"], "bool", _all, accepts_generator=True),
    _b("any", 1, 1, ["iterable"], "bool", _any, accepts_generator=True),
    _b("range", 1, 3, ["int"], "list[int]", _range),
    _b("ceil_div", 2, 2, ["int", "int"], "int", _ceil_div, doc="ceil(a / b) for integers"),
    _b("floor_div", 2, 2, ["int", "int"], "int", lambda a, b: a // b, doc="a // b"),
    _b("zeros", 1, 2, ["int"], "array", _zeros, doc="float64 zeros of shape (n,) or (m, n)"),
    _b("ones", 1, 2, ["int"], "array", _ones, doc="float64 ones of shape (n,) or (m, n)"),
    _b("isfinite", 1, 1, ["any"], "bool", _isfinite, doc="no NaN or infinity (every element of an array)"),
    _b("log2", 1, 1, ["real"], "real", _elementwise(math.log2, np.log2)),
    _b("sqrt", 1, 1, ["real"], "real", _elementwise(math.sqrt, np.sqrt)),
    _b("exp", 1, 1, ["real"], "real", _elementwise(math.exp, np.exp)),
    _b("norm", 1, 1, ["any"], "real", _norm, doc="max-abs of an array or list (0.0 when empty)"),
    _b("allclose", 2, 4, ["any", "any", "real", "real"], "bool", _allclose, kwargs=("atol", "rtol"),
       doc="same shape and |a - b| <= atol + rtol * |b| elementwise"),
    _b("append", 2, 2, ["any", "any"], "arg0", _append, doc="a new list/array with v appended along axis 0"),
    _b("endswith", 2, 2, ["str", "str"], "bool", _str_method("endswith")),
    _b("startswith", 2, 2, ["str", "str"], "bool", _str_method("startswith")),
    _b("contains", 2, 2, ["iterable", "any"], "bool", _contains, doc="contains(s, sub): sub in s"),
    _b("int", 1, 1, ["real"], "int", _to_int, doc="truncates toward zero, like Python"),
    _b("float", 1, 1, ["real"], "real", float),
    _b("raises", 1, 2, ["any", "str"], "bool", None, lazy=True,
       doc="raises(expr[, 'ValueError']): the implementation raised (that exception class or a subclass)"),
]

BUILTINS: Mapping[str, Builtin] = {b.name: b for b in _TABLE}


def is_builtin(name: str) -> bool:
    return name in BUILTINS
