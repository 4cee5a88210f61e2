"""Type rules for calls: builtins (arity, argument kinds, ``sizeof`` dtypes,
result tags), generators, and calls of contract functions (equations and
symbols) with positional or keyword arguments.

Mixed into the checker of :mod:`kvcontract.expr.types`, which provides
``visit``, ``issue``, ``truth``, ``enum_literal`` and ``functions``.
"""
from __future__ import annotations

from ..diagnostics import did_you_mean
from . import nodes as n
from .builtins import BUILTINS, DTYPE_SIZES, check_arity
from .types_core import ANY, ARRAY, BOOL, INT, REAL, STR, FnSig, Type, join, list_of

__all__ = ["CallTypeRules", "element_type"]

_TAGS = {"int": INT, "real": REAL, "bool": BOOL, "str": STR, "array": ARRAY, "list[int]": list_of(INT)}


def element_type(t: Type) -> Type:
    if t.kind == "list":
        return t.elem or ANY
    if t.kind == "str":
        return STR
    return ANY  # arrays: a row or a number


def _param_type(sig: FnSig, param: str) -> Type:
    index = sig.params.index(param)
    return sig.param_types[index] if index < len(sig.param_types) else ANY


class CallTypeRules:
    def call(self, node: n.Call, local: dict[str, Type]) -> Type:
        if node.func in self.functions:
            return self.call_function(node, local)
        builtin = BUILTINS.get(node.func)
        if builtin is None:
            hint = did_you_mean(node.func, [*self.functions, *BUILTINS])
            self.issue(f"unknown function '{node.func}'" + (f"; {hint}" if hint else ""), node, "name")
            for child in n.children(node):
                if not isinstance(child, n.Generator):
                    self.visit(child, local)
            return ANY
        problem = check_arity(builtin, len(node.args), tuple(k for k, _ in node.kwargs))
        if problem:
            self.issue(problem, node, "arity")
        if len(node.args) == 1 and isinstance(node.args[0], n.Generator):
            if not builtin.accepts_generator:
                self.issue(f"{node.func}() does not take a generator", node)
            arg_types = [list_of(self.generator(node.args[0], local))]
        else:
            arg_types = [self.visit(a, local) for a in node.args]
        for _, value in node.kwargs:
            self.visit(value, local)
        if builtin.lazy:
            if len(node.args) == 2 and not isinstance(node.args[1], n.Str):
                self.issue("raises(expr, 'ExceptionName'): the class name must be a string literal", node.args[1])
            return BOOL
        for i, (arg, t) in enumerate(zip(node.args, arg_types)):
            self.builtin_arg(node.func, builtin.arg_type(i), arg, t, len(node.args))
        if node.func == "sizeof" and node.args:
            self.dtype_names(node.args[0], arg_types[0])
        return self.builtin_result(builtin.result, arg_types)

    def builtin_arg(self, func: str, expected: str, arg: n.Node, t: Type, n_args: int) -> None:
        if func in ("min", "max") and n_args == 1:
            expected = "iterable"
        wrong = (
            (expected in ("int", "real") and t.kind in ("str", "list"))
            or (expected == "str" and t.kind in ("int", "real", "bool", "list", "array"))
            or (expected == "iterable" and t.kind in ("int", "real", "bool"))
        )
        if wrong:
            want = {"real": "a number", "int": "an integer", "str": "a string", "iterable": "a list, range or array"}[expected]
            self.issue(f"{func}() needs {want}, got {t}", arg)

    def dtype_names(self, arg: n.Node, t: Type) -> None:
        names = (arg.value,) if isinstance(arg, n.Str) else (t.values or ()) if t.kind == "str" else ()
        unknown = [name for name in names if name not in DTYPE_SIZES]
        if unknown:
            self.issue(f"sizeof() does not know dtype {', '.join(map(repr, unknown))}; known: {', '.join(DTYPE_SIZES)}", arg)

    def builtin_result(self, tag: str, arg_types: list[Type]) -> Type:
        if tag in _TAGS:
            return _TAGS[tag]
        if tag == "arg0":
            return arg_types[0] if arg_types else ANY
        if tag == "elem":
            if len(arg_types) == 1:
                elem = element_type(arg_types[0])
                return INT if elem.kind == "bool" else elem
            result = arg_types[0] if arg_types else ANY
            for t in arg_types[1:]:
                result = join(result, t)
            return result
        return ANY

    def generator(self, gen: n.Generator, local: dict[str, Type]) -> Type:
        iterable = self.visit(gen.iter, local)
        if iterable.kind in ("int", "real", "bool"):
            self.issue(f"cannot iterate over {iterable}", gen.iter)
        inner = {**local, gen.var: element_type(iterable)}
        if gen.cond is not None:
            self.truth(self.visit(gen.cond, inner), gen.cond, "if")
        return self.visit(gen.elt, inner)

    def call_function(self, node: n.Call, local: dict[str, Type]) -> Type:
        sig = self.functions[node.func]
        given: set[str] = set()
        if len(node.args) > len(sig.params):
            self.issue(f"{node.func}() takes {len(sig.params)} argument(s) ({', '.join(sig.params)}), got {len(node.args)}", node, "arity")
        for param, arg in zip(sig.params, node.args):
            given.add(param)
            self.argument(node.func, param, _param_type(sig, param), arg, self.visit(arg, local))
        for key, value in node.kwargs:
            t = self.visit(value, local)
            if key not in sig.params:
                hint = did_you_mean(key, sig.params)
                self.issue(f"{node.func}() has no parameter '{key}'" + (f"; {hint}" if hint else ""), value, "arity")
                continue
            given.add(key)
            self.argument(node.func, key, _param_type(sig, key), value, t)
        for param in sig.params:
            if param not in given and param not in self.var_types and param not in local:
                self.issue(f"{node.func}(): parameter '{param}' is neither given nor a variable in scope", node)
        return sig.result

    def argument(self, func: str, param: str, expected: Type, arg: n.Node, t: Type) -> None:
        clash = (expected.kind == "str" and t.kind in ("int", "real", "bool")) or (
            t.kind == "str" and expected.kind in ("int", "real", "bool")
        )
        if clash:
            self.issue(f"{func}(): parameter '{param}' is {expected}, got {t}", arg)
        else:
            self.enum_literal(n.Name(id=param), expected, arg)
