"""What a name means while an expression is evaluated.

A :class:`Scope` holds variable values and a function table.  Both
interpreters (concrete and symbolic) resolve names through it, so the same
tree is checked against the specification (every symbol an
:class:`EquationFn`) or against an implementation (bound symbols are
:class:`ImplFn`) by changing only the scope.

Call semantics (docs/contract-format.md, "Names inside expressions"): a call
binds positional arguments to ``params`` in order and keyword arguments by
name; a parameter not given takes the current value of the variable with that
name.  A bare name that denotes a function is that function called with every
parameter taken from the current values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from .nodes import Node

__all__ = ["EquationFn", "ImplFn", "Function", "Scope"]


@dataclass(frozen=True)
class EquationFn:
    """A symbol defined by a contract equation: evaluate ``body`` with params bound."""

    name: str  # the defined symbol (or the equation name when called by it)
    params: tuple[str, ...]
    body: Node
    equation: str = ""  # the equation's key in the contract, for messages


@dataclass(frozen=True)
class ImplFn:
    """A symbol bound to a Python callable of the implementation under test."""

    name: str
    params: tuple[str, ...]
    fn: Callable[..., Any]
    returns: str = "any"
    target: str = ""  # "module:attr", for messages and reproduce commands


Function = Union[EquationFn, ImplFn]


@dataclass(frozen=True)
class Scope:
    values: Mapping[str, Any] = field(default_factory=dict)
    functions: Mapping[str, Function] = field(default_factory=dict)

    def with_values(self, updates: Mapping[str, Any]) -> "Scope":
        merged = dict(self.values)
        merged.update(updates)
        return Scope(merged, self.functions)

    def bind_call(self, fn: Function, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Parameter name -> value for a call of ``fn`` in this scope.

        Raises ``KeyError`` naming a parameter that is neither given nor a
        current variable, and ``TypeError`` for too many positional arguments or
        an unknown keyword (callers turn both into their own error type).
        """
        if len(args) > len(fn.params):
            raise TypeError(
                f"{fn.name}() takes {len(fn.params)} argument(s) ({', '.join(fn.params)}), got {len(args)}"
            )
        bound = dict(zip(fn.params, args))
        for key, value in kwargs.items():
            if key not in fn.params:
                raise TypeError(f"{fn.name}() has no parameter '{key}' (parameters: {', '.join(fn.params)})")
            if key in bound:
                raise TypeError(f"{fn.name}() got two values for '{key}'")
            bound[key] = value
        for param in fn.params:
            if param not in bound:
                if param not in self.values:
                    raise KeyError(param)
                bound[param] = self.values[param]
        return bound
