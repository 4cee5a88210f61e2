"""The expression tree shared by the parser and both interpreters.

Every node records ``span``: the half-open character range ``(start, end)`` of
the source text it was parsed from, so an error or an explanation can point at
the exact sub-expression (``SourceText.pos_at(span[0])`` gives ``file:line:col``).
Nodes are frozen and hashable; they never hold Python callables, only names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

__all__ = [
    "Node",
    "Num",
    "Str",
    "Bool",
    "Name",
    "ListLit",
    "Unary",
    "Binary",
    "BoolOp",
    "Implies",
    "Compare",
    "Interval",
    "IfExp",
    "Call",
    "Subscript",
    "Slice",
    "Generator",
    "walk",
    "free_names",
    "called_names",
]

Span = tuple[int, int]


@dataclass(frozen=True)
class Node:
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True)
class Num(Node):
    value: Union[int, float] = 0


@dataclass(frozen=True)
class Str(Node):
    value: str = ""


@dataclass(frozen=True)
class Bool(Node):
    value: bool = False


@dataclass(frozen=True)
class Name(Node):
    id: str = ""


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Unary(Node):
    """``op`` is ``-``, ``+`` or ``not`` (``¬`` is normalised to ``not``)."""

    op: str = "-"
    operand: Node = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic: ``+ - * / // % ** @``."""

    op: str = "+"
    left: Node = None  # type: ignore[assignment]
    right: Node = None  # type: ignore[assignment]


@dataclass(frozen=True)
class BoolOp(Node):
    """``and`` / ``or`` over two or more operands (``∧``/``∨`` normalised)."""

    op: str = "and"
    values: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Implies(Node):
    """``premise => conclusion`` (also ``⇒``); lowest precedence, right-associative."""

    premise: Node = None  # type: ignore[assignment]
    conclusion: Node = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Compare(Node):
    """A comparison chain ``a < b <= c``, Python semantics.

    ``ops`` are ``== != < <= > >= in not_in`` and ``=``.  A single ``=`` is
    equality too, kept distinct so an equation ``kv_bytes = 2 * ...`` can be read
    as the definition of ``kv_bytes``.  ``≤ ≥ ≠`` are normalised to ASCII.
    """

    left: Node = None  # type: ignore[assignment]
    ops: tuple[str, ...] = ()
    comparators: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Interval(Node):
    """``value ∈ [lo, hi]`` (closed), ``(lo, hi)`` (open) or half-open mixes."""

    value: Node = None  # type: ignore[assignment]
    lo: Node = None  # type: ignore[assignment]
    hi: Node = None  # type: ignore[assignment]
    lo_closed: bool = True
    hi_closed: bool = True


@dataclass(frozen=True)
class IfExp(Node):
    """``then if cond else orelse``."""

    cond: Node = None  # type: ignore[assignment]
    then: Node = None  # type: ignore[assignment]
    orelse: Node = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Call(Node):
    """``func(args..., name=value...)``: a builtin, an equation or a bound symbol."""

    func: str = ""
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True)
class Slice(Node):
    lo: Node | None = None
    hi: Node | None = None


@dataclass(frozen=True)
class Subscript(Node):
    """``value[index]``; ``index`` may be a :class:`Slice`."""

    value: Node = None  # type: ignore[assignment]
    index: Node = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Generator(Node):
    """``elt for var in iter [if cond]``, only as the sole argument of a call."""

    elt: Node = None  # type: ignore[assignment]
    var: str = ""
    iter: Node = None  # type: ignore[assignment]
    cond: Node | None = None


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, in source order."""
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.values
    if isinstance(node, Implies):
        return (node.premise, node.conclusion)
    if isinstance(node, Compare):
        return (node.left, *node.comparators)
    if isinstance(node, Interval):
        return (node.value, node.lo, node.hi)
    if isinstance(node, IfExp):
        return (node.then, node.cond, node.orelse)
    if isinstance(node, Call):
        return (*node.args, *(v for _, v in node.kwargs))
    if isinstance(node, Subscript):
        return (node.value, node.index)
    if isinstance(node, Slice):
        return tuple(n for n in (node.lo, node.hi) if n is not None)
    if isinstance(node, Generator):
        return tuple(n for n in (node.iter, node.cond, node.elt) if n is not None)
    return ()


def walk(node: Node):
    """Pre-order traversal of ``node`` and all its descendants."""
    yield node
    for child in children(node):
        yield from walk(child)


def free_names(node: Node, bound: frozenset[str] = frozenset()) -> list[str]:
    """Names read by ``node`` that no generator binds, in order of first use."""
    seen: dict[str, None] = {}

    def visit(n: Node, inner: frozenset[str]) -> None:
        if isinstance(n, Name):
            if n.id not in inner:
                seen.setdefault(n.id, None)
            return
        if isinstance(n, Generator):
            visit(n.iter, inner)
            scope = inner | {n.var}
            if n.cond is not None:
                visit(n.cond, scope)
            visit(n.elt, scope)
            return
        for child in children(n):
            visit(child, inner)

    visit(node, bound)
    return list(seen)


def called_names(node: Node) -> list[str]:
    """Function names called anywhere in ``node``, in order of first use."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Call):
            seen.setdefault(n.func, None)
    return list(seen)
