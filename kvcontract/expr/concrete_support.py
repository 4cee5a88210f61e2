"""Values and errors of the concrete interpreter (:mod:`kvcontract.expr.concrete`).

Equality with numpy arrays (``np.array_equal``), the short value text shown
under a counterexample, and the implementation's own traceback.
"""
from __future__ import annotations

import copy
import math
import os
import traceback
from typing import Any

import numpy as np

__all__ = ["fresh_argument", "EvalError", "ImplementationError", "short_repr", "short_repr_text", "values_equal", "freeze", "plain",
           "implementation_traceback", "is_zero_divisor"]

_EXPR_DIR = os.path.dirname(os.path.abspath(__file__))


class EvalError(Exception):
    """The expression itself cannot be evaluated here (not the implementation's fault).

    ``span`` locates the failing node in the text it was parsed from; when the
    failure is inside an equation's body, ``function`` names that equation.
    """

    def __init__(self, message: str, span: tuple[int, int] = (0, 0), function: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.function = function


class ImplementationError(Exception):
    """The implementation bound to ``symbol`` raised ``exception``."""

    def __init__(self, symbol: str, target: str, exception: BaseException, traceback_text: str | None = None):
        super().__init__(f"{symbol} ({target or 'implementation'}) raised {type(exception).__name__}: {exception}")
        self.symbol = symbol
        self.target = target
        self.exception = exception
        self._traceback_text = traceback_text

    @property
    def traceback_text(self) -> str:
        # Formatted on first use: raises() catches expected exceptions by the
        # thousand, and only a reported error ever shows its traceback.
        if self._traceback_text is None:
            self._traceback_text = implementation_traceback(self.exception)
        return self._traceback_text


def short_repr(value: Any, limit: int = 80) -> str:
    """One line of at most ``limit`` characters showing ``value``."""
    if isinstance(value, np.ndarray):
        text = f"array{value.shape} " + np.array2string(value, threshold=8, edgeitems=2, max_line_width=limit)
    else:
        text = repr(value)
    return short_repr_text(text, limit)


def short_repr_text(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def freeze(value: Any) -> Any:
    """A hashable stand-in for an argument value (for the explain call cache)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.shape, str(value.dtype), value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    hash(value)
    return (type(value).__name__, value)


def plain(value: Any) -> Any:
    """numpy scalars from an implementation become Python numbers (no silent int64 wraparound)."""
    return value.item() if isinstance(value, np.generic) else value


def implementation_traceback(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and os.path.dirname(os.path.abspath(frames[0].filename)) == _EXPR_DIR:
        frames.pop(0)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def is_zero_divisor(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return bool(np.any(value == 0))
    return isinstance(value, (int, float, np.number)) and value == 0


def values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, range):
        a = list(a)
    if isinstance(b, range):
        b = list(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


def fresh_argument(value: Any) -> Any:
    """A copy of a mutable argument, so an implementation that mutates it cannot change the variables.

    Scalars and strings are immutable and passed as they are; an array is copied
    with ``ndarray.copy``, a flat list of immutable items shallowly; only nested
    containers need a deep copy (the hot path of every implementation call).
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        if all(isinstance(item, (str, int, float, bool, type(None))) for item in value):
            return list(value)
        return copy.deepcopy(value)
    return value
