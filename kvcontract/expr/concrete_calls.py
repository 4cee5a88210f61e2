"""Calls and generators of the concrete interpreter: builtins, equations, implementations.

The operator and name rules are in :mod:`kvcontract.expr.concrete`, whose
evaluator mixes this class in; the call semantics are ``Scope.bind_call``'s
(docs/contract-format.md, "Names inside expressions").  An implementation
that raises becomes an :class:`ImplementationError` with its own traceback;
one call per argument tuple is cached while an explanation is recorded.
"""
from __future__ import annotations

from typing import Any

from ..diagnostics import did_you_mean
from . import nodes as n
from .builtins import BUILTINS, check_arity
from .concrete_support import EvalError, ImplementationError, freeze, fresh_argument, plain
from .scope import EquationFn, ImplFn

__all__ = ["CallRules", "MAX_CALL_DEPTH"]

MAX_CALL_DEPTH = 100  # nested function calls; deeper means a recursive definition


class CallRules:
    """Mixin of the evaluator: needs ``eval``, ``fail``, ``truth``, ``scope``/``scopes``,
    ``quiet``, ``call_depth``, ``cache`` and ``function`` from the class it is mixed into."""

    def _generator(self, node: n.Generator) -> Any:
        raise self.fail("a generator is only allowed as the sole argument of a call", node)

    def generate(self, gen: n.Generator) -> list[Any]:
        iterable = self.visit(gen.iter)
        if isinstance(iterable, (int, float, bool)) or iterable is None:
            raise self.fail(f"cannot iterate over {type(iterable).__name__}", gen.iter)
        results = []
        self.quiet += 1
        try:
            for item in iterable:
                self.scopes.append(self.scope.with_values({gen.var: item}))
                try:
                    if gen.cond is None or self.truth(self.visit(gen.cond), gen.cond):
                        results.append(self.visit(gen.elt))
                finally:
                    self.scopes.pop()
        finally:
            self.quiet -= 1
        return results

    # -- calls --------------------------------------------------------
    def _call(self, node: n.Call) -> Any:
        if node.func in self.scope.functions:
            if any(isinstance(a, n.Generator) for a in node.args):
                raise self.fail(f"{node.func}() takes values, not a generator", node)
            args = tuple(self.visit(a) for a in node.args)
            kwargs = {key: self.visit(value) for key, value in node.kwargs}
            return self.call_function(node.func, args, kwargs, node)
        builtin = BUILTINS.get(node.func)
        if builtin is None:
            hint = did_you_mean(node.func, [*self.scope.functions, *BUILTINS])
            raise self.fail(f"unknown function '{node.func}'" + (f"; {hint}" if hint else ""), node)
        problem = check_arity(builtin, len(node.args), tuple(k for k, _ in node.kwargs))
        if problem:
            raise self.fail(problem, node)
        if builtin.lazy:
            return self.raises(node)
        if len(node.args) == 1 and isinstance(node.args[0], n.Generator):
            if not builtin.accepts_generator:
                raise self.fail(f"{node.func}() does not take a generator", node)
            args = (self.generate(node.args[0]),)
        else:
            args = tuple(self.visit(a) for a in node.args)
        kwargs = {key: self.visit(value) for key, value in node.kwargs}
        try:
            return builtin.impl(*args, **kwargs)  # type: ignore[misc]
        except (EvalError, ImplementationError):
            raise
        except RecursionError:
            raise
        except Exception as exc:  # a builtin's own failure is an evaluation error at this call
            raise self.fail(f"{node.func}(): {exc}", node) from None

    def raises(self, node: n.Call) -> bool:
        wanted = "Exception"
        if len(node.args) == 2:
            if not isinstance(node.args[1], n.Str):
                raise self.fail("raises(expr, 'ExceptionName'): the class name must be a string literal", node.args[1])
            wanted = node.args[1].value
        try:
            self.visit(node.args[0])
        except ImplementationError as exc:
            if isinstance(exc.exception, (RecursionError, MemoryError)):
                raise  # a resource failure is not the deliberate raise the contract asks about
            return any(cls.__name__ == wanted for cls in type(exc.exception).__mro__)
        return False

    def call_function(self, name: str, args: tuple, kwargs: dict, node: n.Node) -> Any:
        fn = self.scope.functions[name]
        try:
            bound = self.scope.bind_call(fn, args, kwargs)
        except KeyError as exc:
            raise self.fail(
                f"{name}(): parameter '{exc.args[0]}' is neither given nor a variable in scope", node
            ) from None
        except TypeError as exc:
            raise self.fail(str(exc), node) from None
        if self.call_depth >= MAX_CALL_DEPTH:
            raise self.fail(f"calls nested more than {MAX_CALL_DEPTH} deep at '{name}': a recursive definition?", node)
        self.call_depth += 1
        try:
            if isinstance(fn, EquationFn):
                return self.call_equation(fn, bound)
            return self.call_implementation(fn, bound)
        finally:
            self.call_depth -= 1

    def call_equation(self, fn: EquationFn, bound: dict) -> Any:
        outer_function = self.function
        self.function = fn.equation or fn.name
        self.scopes.append(self.scope.with_values(bound))
        self.quiet += 1
        try:
            return self.visit(fn.body)
        finally:
            self.quiet -= 1
            self.scopes.pop()
            self.function = outer_function

    def call_implementation(self, fn: ImplFn, bound: dict) -> Any:
        args = [bound[p] for p in fn.params]
        key = None
        if self.cache is not None:
            try:
                key = (fn.name, tuple(freeze(a) for a in args))
                if key in self.cache:
                    cached = self.cache[key]
                    if isinstance(cached, ImplementationError):  # a fresh copy, so explain shows it here too
                        raise ImplementationError(cached.symbol, cached.target, cached.exception, cached._traceback_text)
                    return cached
            except TypeError:
                key = None  # an unhashable argument: just call again
        try:
            # Copies: an implementation that mutates its input must not change the variables.
            result = plain(fn.fn(*(fresh_argument(a) for a in args)))
        except Exception as exc:  # KeyboardInterrupt / SystemExit are BaseException: never caught
            error = ImplementationError(fn.name, fn.target, exc)
            if key is not None:
                self.cache[key] = error  # type: ignore[index]
            raise error from exc
        if key is not None:
            self.cache[key] = result  # type: ignore[index]
        return result
