"""A small, permissive type checker for contract expressions.

It reports only mistakes that are certain to make a check wrong or fail
(an unknown name, a builtin called with the wrong number of arguments, a
string compared with a number, arithmetic on a bool or a string, a string
literal that is not a value of the enum it is compared with, ``sizeof`` of a
number or of an unknown dtype).  Where it cannot be sure it says ``any`` and
stays quiet: ``any`` unifies with everything, ``int`` promotes to ``real``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..diagnostics import did_you_mean
from . import nodes as n
from .builtins import BUILTINS, DTYPE_SIZES, check_arity

__all__ = [
    "Type", "FnSig", "TypeIssue", "INT", "REAL", "BOOL", "STR", "ARRAY", "ANY",
    "list_of", "enum_of", "join", "infer", "type_of_domain", "type_from_name", "check_contract_types",
]


@dataclass(frozen=True)
class Type:
    """``kind`` is int, real, bool, str, list, array or any.

    A ``str`` may list its possible ``values`` (an enum); a ``list`` has an
    ``elem`` type.
    """

    kind: str
    values: tuple[str, ...] | None = None
    elem: "Type | None" = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list[{self.elem or ANY}]"
        if self.kind == "str" and self.values is not None:
            return "enum{" + ", ".join(self.values) + "}"
        return "float" if self.kind == "real" else self.kind

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "real")


INT, REAL, BOOL, STR, ARRAY, ANY = (Type(k) for k in ("int", "real", "bool", "str", "array", "any"))


def list_of(elem: Type) -> Type:
    return Type("list", elem=elem)


def enum_of(values) -> Type:
    return Type("str", values=tuple(values))


@dataclass(frozen=True)
class FnSig:
    """A contract function (an equation or a symbol): parameter names and types, result."""

    params: tuple[str, ...]
    param_types: tuple[Type, ...]
    result: Type


@dataclass(frozen=True)
class TypeIssue:
    """``kind``: ``name`` (unknown or misused name), ``arity`` (call shape) or ``type``."""

    message: str
    span: tuple[int, int]
    kind: str = "type"


def join(a: Type, b: Type) -> Type:
    """The least type both fit in; ``any`` when they do not agree."""
    if a == b:
        return a
    if a.kind == "any" or b.kind == "any":
        return ANY
    if {a.kind, b.kind} <= {"int", "real", "bool"}:
        return REAL if "real" in (a.kind, b.kind) else INT
    if a.kind == b.kind == "str":
        if a.values is None or b.values is None:
            return STR
        return enum_of(dict.fromkeys(a.values + b.values))
    if a.kind == b.kind == "list":
        return list_of(join(a.elem or ANY, b.elem or ANY))
    return ANY


def type_from_name(name: str) -> Type:
    """The type of a ``returns:`` name: int, float, bool, str, list[T], array, any."""
    name = name.strip()
    if name.startswith("list[") and name.endswith("]"):
        return list_of(type_from_name(name[5:-1]))
    return {"int": INT, "float": REAL, "real": REAL, "bool": BOOL, "str": STR, "array": ARRAY}.get(name, ANY)


def type_of_domain(domain) -> Type:
    """The value type of a :class:`kvcontract.contract.model.Domain`."""
    kind = domain.kind
    if kind == "enum":
        return enum_of(domain.values)
    if kind == "list":
        return list_of(type_of_domain(domain.element) if domain.element is not None else ANY)
    return {"int": INT, "float": REAL, "bool": BOOL, "array": ARRAY}.get(kind, ANY)


def infer(
    node: n.Node, var_types: Mapping[str, Type], functions: Mapping[str, FnSig]
) -> tuple[Type, list[TypeIssue]]:
    """The type of ``node`` and every certain mistake found in it."""
    checker = _Checker(var_types, functions)
    result = checker.visit(node, {})
    return result, checker.issues


_TAGS = {"int": INT, "real": REAL, "bool": BOOL, "str": STR, "array": ARRAY, "list[int]": list_of(INT)}


def _element(t: Type) -> Type:
    if t.kind == "list":
        return t.elem or ANY
    if t.kind == "str":
        return STR
    return ANY  # arrays: a row or a number


def check_contract_types(contract, contract_set=None) -> list:
    """KV409 diagnostics for one contract (see :mod:`kvcontract.expr.contract_types`)."""
    from .contract_types import check_contract_types as run

    return run(contract, contract_set)


def _param_type(sig: FnSig, param: str) -> Type:
    index = sig.params.index(param)
    return sig.param_types[index] if index < len(sig.param_types) else ANY


class _Checker:
    def __init__(self, var_types: Mapping[str, Type], functions: Mapping[str, FnSig]):
        self.var_types = var_types
        self.functions = functions
        self.issues: list[TypeIssue] = []

    def issue(self, message: str, node: n.Node, kind: str = "type") -> None:
        self.issues.append(TypeIssue(message, node.span, kind))

    def visit(self, node: n.Node, local: dict[str, Type]) -> Type:
        if isinstance(node, n.Num):
            return REAL if isinstance(node.value, float) else INT
        if isinstance(node, n.Str):
            return STR
        if isinstance(node, n.Bool):
            return BOOL
        if isinstance(node, n.Name):
            return self.name(node, local)
        if isinstance(node, n.ListLit):
            elem: Type | None = None
            for item in node.items:
                t = self.visit(item, local)
                elem = t if elem is None else join(elem, t)
            return list_of(elem or ANY)
        if isinstance(node, n.Unary):
            t = self.visit(node.operand, local)
            if node.op == "not":
                self.truth(t, node.operand, "not")
                return BOOL
            self.arithmetic_operand(t, node.op, node.operand)
            return t if t.kind in ("int", "real", "array") else ANY
        if isinstance(node, n.Binary):
            return self.binary(node, local)
        if isinstance(node, (n.BoolOp, n.Implies)):
            op = node.op if isinstance(node, n.BoolOp) else "=>"
            for child in n.children(node):
                self.truth(self.visit(child, local), child, op)
            return BOOL
        if isinstance(node, n.Compare):
            types = [self.visit(c, local) for c in (node.left, *node.comparators)]
            operands = (node.left, *node.comparators)
            for i, op in enumerate(node.ops):
                self.comparison(op, operands[i], types[i], operands[i + 1], types[i + 1])
            ordering = node.ops[0] in ("<", "<=", ">", ">=")
            if len(node.ops) == 1 and ordering and ARRAY in types:
                return ARRAY  # elementwise: a bool array
            return BOOL
        if isinstance(node, n.Interval):
            value = self.visit(node.value, local)
            for bound in (node.lo, node.hi):
                self.comparison("<=", node.value, value, bound, self.visit(bound, local))
            return BOOL
        if isinstance(node, n.IfExp):
            self.truth(self.visit(node.cond, local), node.cond, "if")
            return join(self.visit(node.then, local), self.visit(node.orelse, local))
        if isinstance(node, n.Call):
            return self.call(node, local)
        if isinstance(node, n.Subscript):
            return self.subscript(node, local)
        if isinstance(node, n.Generator):
            self.issue("a generator is only allowed as the sole argument of a call", node)
            return ANY
        return ANY

    def name(self, node: n.Name, local: dict[str, Type]) -> Type:
        if node.id in local:
            return local[node.id]
        if node.id in self.var_types:
            return self.var_types[node.id]
        if node.id in self.functions:
            sig = self.functions[node.id]
            for param in sig.params:
                if param not in self.var_types and param not in local:
                    self.issue(f"'{node.id}' used bare needs a variable '{param}' in scope", node)
            return sig.result
        if node.id in BUILTINS:
            self.issue(f"builtin '{node.id}' must be called, as in {node.id}(...)", node, "name")
            return ANY
        hint = did_you_mean(node.id, [*local, *self.var_types, *self.functions])
        self.issue(f"unknown name '{node.id}'" + (f"; {hint}" if hint else ""), node, "name")
        return ANY

    def truth(self, t: Type, node: n.Node, op: str) -> None:
        # Python truthiness of a number, string or list is never what a contract means by a condition.
        if t.kind == "array":
            self.issue("the truth value of an array is ambiguous: use all(...) or any(...)", node)
        elif t.kind in ("int", "real", "str", "list"):
            self.issue(f"'{op}' needs a bool, got {t}", node)

    def arithmetic_operand(self, t: Type, op: str, node: n.Node) -> None:
        if t.kind == "bool":
            self.issue(f"arithmetic '{op}' on a bool", node)
        elif t.kind == "str":
            self.issue(f"arithmetic '{op}' on a string", node)

    def binary(self, node: n.Binary, local: dict[str, Type]) -> Type:
        left, right = self.visit(node.left, local), self.visit(node.right, local)
        op = node.op
        if op == "+" and left.kind == right.kind and left.kind in ("str", "list"):
            return join(left, right)  # concatenation
        if op == "*" and {left.kind, right.kind} in ({"list", "int"}, {"str", "int"}):
            return left if left.kind != "int" else right  # repetition
        self.arithmetic_operand(left, op, node.left)
        self.arithmetic_operand(right, op, node.right)
        if "array" in (left.kind, right.kind) or op == "@":
            return ARRAY
        if not (left.numeric and right.numeric):
            return ANY
        if op == "/":
            return REAL
        return INT if left.kind == right.kind == "int" else REAL

    def comparison(self, op: str, left_node: n.Node, left: Type, right_node: n.Node, right: Type) -> None:
        if op in ("in", "not_in"):
            if right.kind in ("int", "real", "bool"):
                self.issue(f"'{op.replace('_', ' ')}' needs a list, range, array or string on the right, not {right}", right_node)
                return
            if right.kind == "list":
                self.comparison("==", left_node, left, right_node, right.elem or ANY)
                if isinstance(right_node, n.ListLit):
                    for item in right_node.items:
                        self.enum_literal(left_node, left, item)
            return
        text_vs_number = (left.kind == "str" and right.kind in ("int", "real", "bool")) or (
            right.kind == "str" and left.kind in ("int", "real", "bool")
        )
        if text_vs_number:
            self.issue(f"comparing {left} with {right} (never equal, not ordered)", right_node)
            return
        self.enum_literal(left_node, left, right_node)
        self.enum_literal(right_node, right, left_node)

    def enum_literal(self, enum_node: n.Node, enum_type: Type, literal: n.Node) -> None:
        if enum_type.kind == "str" and enum_type.values is not None and isinstance(literal, n.Str):
            if literal.value not in enum_type.values:
                what = enum_node.id if isinstance(enum_node, n.Name) else "the enum"
                hint = did_you_mean(literal.value, enum_type.values)
                self.issue(
                    f"'{literal.value}' is not a value of {what} ({', '.join(enum_type.values)})"
                    + (f"; {hint}" if hint else ""),
                    literal,
                )

    def subscript(self, node: n.Subscript, local: dict[str, Type]) -> Type:
        value = self.visit(node.value, local)
        if isinstance(node.index, n.Slice):
            for bound in (node.index.lo, node.index.hi):
                if bound is not None:
                    self.index(self.visit(bound, local), bound)
            return value if value.kind in ("list", "str", "array") else ANY
        self.index(self.visit(node.index, local), node.index)
        if value.kind in ("int", "real", "bool"):
            self.issue(f"cannot subscript a {value}", node.value)
        return _element(value)

    def index(self, t: Type, node: n.Node) -> None:
        if t.kind in ("str", "real", "bool", "list", "array"):
            self.issue(f"an index must be an integer, not {t}", node)

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
                elem = _element(arg_types[0])
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
        inner = {**local, gen.var: _element(iterable)}
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
