"""Print an expression tree as canonical, minimally parenthesised text.

``parse_expr(to_text(tree)) == tree`` for every tree the parser can produce
(spans aside).  Two kinds of tree have no source form and are rejected with
``ValueError``: a negative or non-finite :class:`Num` (the parser reads ``-3``
as ``Unary('-', Num(3))``) and a :class:`Generator` that is not the sole
argument of a call.
"""
from __future__ import annotations

import math

from .nodes import (
    Binary,
    Bool,
    BoolOp,
    Call,
    Compare,
    Generator,
    IfExp,
    Implies,
    Interval,
    ListLit,
    Name,
    Node,
    Num,
    Slice,
    Str,
    Subscript,
    Unary,
)

from .lexer import tokenize

__all__ = ["to_text"]

# Precedence levels of docs/contract-format.md, lowest first; atoms bind tightest.
_IMPLIES, _IFEXP, _OR, _AND, _NOT, _COMPARE, _ADD, _MUL, _UNARY, _POWER, _POSTFIX, _ATOM = range(1, 13)
_BINARY_LEVEL = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "//": _MUL, "%": _MUL, "@": _MUL, "**": _POWER}
_COMPARE_TEXT = {"not_in": "not in"}
_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}


def _level(node: Node) -> int:
    if isinstance(node, Implies):
        return _IMPLIES
    if isinstance(node, IfExp):
        return _IFEXP
    if isinstance(node, BoolOp):
        return _OR if node.op == "or" else _AND
    if isinstance(node, Unary):
        return _NOT if node.op == "not" else _UNARY
    if isinstance(node, (Compare, Interval)):
        return _COMPARE
    if isinstance(node, Binary):
        return _BINARY_LEVEL[node.op]
    if isinstance(node, (Call, Subscript)):
        return _POSTFIX
    return _ATOM


def to_text(node: Node) -> str:
    """The canonical source text of ``node``."""
    return _text(node, _IMPLIES)


def _text(node: Node, min_level: int) -> str:
    body = _bare(node)
    return f"({body})" if _level(node) < min_level else body


def _bare(node: Node) -> str:
    if isinstance(node, Num):
        return _number(node.value)
    if isinstance(node, Str):
        return "'" + "".join(_STRING_ESCAPES.get(ch, ch) for ch in node.value) + "'"
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.id
    if isinstance(node, ListLit):
        return "[" + ", ".join(_text(item, _IMPLIES) for item in node.items) + "]"
    if isinstance(node, Implies):
        return f"{_text(node.premise, _IFEXP)} => {_text(node.conclusion, _IMPLIES)}"
    if isinstance(node, IfExp):
        return f"{_text(node.then, _OR)} if {_text(node.cond, _OR)} else {_text(node.orelse, _IFEXP)}"
    if isinstance(node, BoolOp):
        operand_level = _AND if node.op == "or" else _NOT
        return f" {node.op} ".join(_text(v, operand_level) for v in node.values)
    if isinstance(node, Unary):
        if node.op == "not":
            return f"not {_text(node.operand, _NOT)}"
        return f"{node.op}{_text(node.operand, _UNARY)}"
    if isinstance(node, Compare):
        parts = [_text(node.left, _ADD)]
        for op, right in zip(node.ops, node.comparators):
            parts.append(f"{_COMPARE_TEXT.get(op, op)} {_text(right, _ADD)}")
        return " ".join(parts)
    if isinstance(node, Interval):
        opener = "[" if node.lo_closed else "("
        closer = "]" if node.hi_closed else ")"
        return f"{_text(node.value, _ADD)} ∈ {opener}{to_text(node.lo)}, {to_text(node.hi)}{closer}"
    if isinstance(node, Binary):
        level = _BINARY_LEVEL[node.op]
        if node.op == "**":  # right-assoc; the exponent may be a bare unary: 2 ** -1
            return f"{_text(node.left, _POSTFIX)} ** {_text(node.right, _UNARY)}"
        return f"{_text(node.left, level)} {node.op} {_text(node.right, level + 1)}"
    if isinstance(node, Call):
        return f"{node.func}({_arguments(node)})"
    if isinstance(node, Subscript):
        if isinstance(node.index, Slice):
            lo = "" if node.index.lo is None else to_text(node.index.lo)
            hi = "" if node.index.hi is None else to_text(node.index.hi)
            index = f"{lo}:{hi}"
        else:
            index = to_text(node.index)
        return f"{_text(node.value, _POSTFIX)}[{index}]"
    if isinstance(node, Generator):
        raise ValueError("a generator can only be printed as the sole argument of a call")
    raise ValueError(f"cannot print {type(node).__name__}")


def _arguments(call: Call) -> str:
    if len(call.args) == 1 and not call.kwargs and isinstance(call.args[0], Generator):
        gen = call.args[0]
        text = f"{_positional(gen.elt)} for {gen.var} in {_text(gen.iter, _OR)}"
        if gen.cond is not None:
            text += f" if {_text(gen.cond, _OR)}"
        return text
    parts = [_positional(arg) for arg in call.args]
    parts.extend(f"{key}={to_text(value)}" for key, value in call.kwargs)
    return ", ".join(parts)


def _positional(arg: Node) -> str:
    text = to_text(arg)
    # A positional argument printed as `x = ...` would re-read as a keyword argument.
    tokens = tokenize(text)
    if tokens[0].kind == "NAME" and tokens[1].kind == "OP" and tokens[1].text == "=":
        return f"({text})"
    return text


def _number(value: int | float) -> str:
    if isinstance(value, bool):
        raise ValueError("a boolean is a Bool node, not a Num")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} has no source form")
    if value < 0:
        raise ValueError(f"a negative literal has no source form (write Unary('-', Num({-value!r})))")
    return repr(value)
