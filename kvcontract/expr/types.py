"""A small, permissive type checker for contract expressions.

It reports only mistakes that are certain to make a check wrong or fail
(an unknown name, a builtin called with the wrong number of arguments, a
string compared with a number, arithmetic on a bool or a string, a string
literal that is not a value of the enum it is compared with, ``sizeof`` of a
number or of an unknown dtype).  Where it cannot be sure it says ``any`` and
stays quiet: ``any`` unifies with everything, ``int`` promotes to ``real``.

The types themselves are in :mod:`kvcontract.expr.types_core`, the rules for
calls (builtins, equations, symbols, generators) in
:mod:`kvcontract.expr.types_calls`; this module is the core inference over
operators, names and subscripts.
"""
from __future__ import annotations

from typing import Mapping

from ..diagnostics import did_you_mean
from . import nodes as n
from .builtins import BUILTINS
from .types_calls import CallTypeRules, element_type
from .types_core import (
    ANY, ARRAY, BOOL, INT, REAL, STR, FnSig, Type, TypeIssue, enum_of, join, list_of, type_from_name, type_of_domain,
)

__all__ = [
    "Type", "FnSig", "TypeIssue", "INT", "REAL", "BOOL", "STR", "ARRAY", "ANY",
    "list_of", "enum_of", "join", "infer", "type_of_domain", "type_from_name", "check_contract_types",
]


def infer(
    node: n.Node, var_types: Mapping[str, Type], functions: Mapping[str, FnSig]
) -> tuple[Type, list[TypeIssue]]:
    """The type of ``node`` and every certain mistake found in it."""
    checker = _Checker(var_types, functions)
    result = checker.visit(node, {})
    return result, checker.issues


def check_contract_types(contract, contract_set=None) -> list:
    """KV409 diagnostics for one contract (see :mod:`kvcontract.expr.contract_types`)."""
    from .contract_types import check_contract_types as run

    return run(contract, contract_set)


class _Checker(CallTypeRules):
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
        return element_type(value)

    def index(self, t: Type, node: n.Node) -> None:
        if t.kind in ("str", "real", "bool", "list", "array"):
            self.issue(f"an index must be an integer, not {t}", node)
