"""Parse contract expression text into the tree of :mod:`kvcontract.expr.nodes`.

A hand-written tokenizer and a recursive-descent parser that follows the
precedence table of docs/contract-format.md ("The expression language") level
by level, lowest first.  Nothing is ever handed to ``eval``.

Every node gets ``span = (start, end)``, the half-open character range of its
source text (a parenthesised operand's span excludes its parentheses; the
enclosing node's span includes them).  Every error is an
:class:`ExprSyntaxError` carrying the 0-based character offset of the
offending character, so the loader can point at ``file:line:col``.
"""
from __future__ import annotations

from .lexer import KEYWORDS, ExprSyntaxError, Token, tokenize
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

__all__ = ["ExprSyntaxError", "parse_expr", "KEYWORDS", "COMPARE_OPS"]

COMPARE_OPS = ("==", "=", "!=", "<", "<=", ">", ">=", "in", "not_in")
_COMPARE_SYMBOLS = frozenset({"==", "=", "!=", "<", "<=", ">", ">="})
_CLOSERS = {"(": ")", "[": "]"}
_MAX_DEPTH = 50  # nesting levels; deeper input is rejected instead of overflowing the stack


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.prev_end = 0
        self.depth = 0
        self.open_brackets: list[Token] = []

    # -- token helpers -------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("OP", "KW") and self.tok.text in texts

    def advance(self) -> Token:
        tok = self.tok
        self.pos += 1
        self.prev_end = tok.end
        return tok

    def error(self, message: str, tok: Token | None = None) -> ExprSyntaxError:
        return ExprSyntaxError(message, (tok or self.tok).start)

    def unexpected(self, expected: str) -> ExprSyntaxError:
        tok = self.tok
        if tok.kind == "KW" and tok.text == "for":
            return self.error("a generator ('... for x in xs') is only allowed as the sole argument of a call")
        if tok.kind == "EOF" and self.open_brackets:
            opener = self.open_brackets[-1]
            return self.error(f"unclosed '{opener.text}'", opener)
        if tok.kind == "OP" and tok.text in (")", "]") and not self.open_brackets:
            return self.error(f"unmatched '{tok.text}'")
        return self.error(f"expected {expected}, found {tok.describe()}")

    def expect(self, text: str, what: str | None = None) -> Token:
        if not self.at(text):
            raise self.unexpected(what or f"'{text}'")
        return self.advance()

    def open(self) -> Token:
        tok = self.advance()
        self.open_brackets.append(tok)
        return tok

    def close(self, opener: Token) -> None:
        self.expect(_CLOSERS[opener.text])
        self.open_brackets.pop()

    def nest(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"expression nested too deeply (more than {_MAX_DEPTH} levels)")

    # -- grammar, lowest precedence first -------------------------------
    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            raise ExprSyntaxError("empty expression", 0)
        node = self.implication()
        if self.tok.kind != "EOF":
            if self.at(")", "]"):
                raise self.error(f"unmatched '{self.tok.text}'")
            if self.at("for"):
                raise self.unexpected("")
            raise self.error(f"unexpected {self.tok.describe()} after the end of the expression")
        return node

    def implication(self) -> Node:
        self.nest()
        start = self.tok.start
        premise = self.ternary()
        if self.at("=>"):
            self.advance()
            conclusion = self.implication()
            premise = Implies(span=(start, self.prev_end), premise=premise, conclusion=conclusion)
        self.depth -= 1
        return premise

    def ternary(self) -> Node:
        start = self.tok.start
        then = self.or_expr()
        if not self.at("if"):
            return then
        self.advance()
        cond = self.or_expr()
        self.expect("else", "'else' to complete 'a if cond else b'")
        self.nest()
        orelse = self.ternary()
        self.depth -= 1
        return IfExp(span=(start, self.prev_end), cond=cond, then=then, orelse=orelse)

    def _bool_chain(self, op: str, operand) -> Node:
        start = self.tok.start
        values = [operand()]
        while self.at(op):
            self.advance()
            values.append(operand())
        if len(values) == 1:
            return values[0]
        return BoolOp(span=(start, self.prev_end), op=op, values=tuple(values))

    def or_expr(self) -> Node:
        return self._bool_chain("or", self.and_expr)

    def and_expr(self) -> Node:
        return self._bool_chain("and", self.not_expr)

    def not_expr(self) -> Node:
        if self.at("not"):
            start = self.advance().start
            self.nest()
            operand = self.not_expr()
            self.depth -= 1
            return Unary(span=(start, self.prev_end), op="not", operand=operand)
        return self.comparison()

    def _compare_op(self) -> str | None:
        tok = self.tok
        if tok.kind == "OP" and tok.text in _COMPARE_SYMBOLS:
            return tok.text
        if self.at("in", "∈"):
            return "in"
        if self.at("∉"):
            return "not_in"
        if self.at("not") and self.peek().kind == "KW" and self.peek().text == "in":
            return "not_in"
        return None

    def comparison(self) -> Node:
        start = self.tok.start
        left = self.additive()
        ops: list[str] = []
        comparators: list[Node] = []
        while (op := self._compare_op()) is not None:
            op_tok = self.advance()
            if op == "not_in" and op_tok.text == "not":
                self.advance()
            if op_tok.text == "∈" and self.at("[", "("):
                if ops:
                    raise self.error("an interval membership 'x ∈ [a, b]' cannot be part of a comparison chain", op_tok)
                node = self.interval(start, left)
                if self._compare_op() is not None:
                    raise self.error("an interval membership 'x ∈ [a, b]' cannot be part of a comparison chain")
                return node
            ops.append(op)
            comparators.append(self.additive())
        if not ops:
            return left
        return Compare(span=(start, self.prev_end), left=left, ops=tuple(ops), comparators=tuple(comparators))

    def interval(self, start: int, value: Node) -> Node:
        opener = self.open()
        lo = self.implication()
        self.expect(",", "',' between the interval's bounds")
        hi = self.implication()
        if not self.at("]", ")"):
            if self.at(","):
                raise self.error("an interval 'x ∈ [a, b]' has exactly two bounds")
            raise self.unexpected("']' or ')' to close the interval")
        closer = self.advance()
        self.open_brackets.pop()
        return Interval(
            span=(start, self.prev_end), value=value, lo=lo, hi=hi,
            lo_closed=opener.text == "[", hi_closed=closer.text == "]",
        )

    def _binary_chain(self, ops: tuple[str, ...], operand) -> Node:
        start = self.tok.start
        left = operand()
        while self.tok.kind == "OP" and self.tok.text in ops:
            op = self.advance().text
            right = operand()
            left = Binary(span=(start, self.prev_end), op=op, left=left, right=right)
        return left

    def additive(self) -> Node:
        return self._binary_chain(("+", "-"), self.multiplicative)

    def multiplicative(self) -> Node:
        return self._binary_chain(("*", "/", "//", "%", "@"), self.unary)

    def unary(self) -> Node:
        if self.at("-", "+"):
            tok = self.advance()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return Unary(span=(tok.start, self.prev_end), op=tok.text, operand=operand)
        return self.power()

    def power(self) -> Node:
        start = self.tok.start
        base = self.postfix()
        if self.at("**"):
            self.advance()
            self.nest()
            exponent = self.unary()  # right-assoc, and binds a unary minus on its right: 2**-1
            self.depth -= 1
            return Binary(span=(start, self.prev_end), op="**", left=base, right=exponent)
        return base

    def postfix(self) -> Node:
        start = self.tok.start
        node = self.atom()
        while self.at("(", "["):
            if self.at("("):
                if not isinstance(node, Name) or self.tokens[self.pos - 1].kind != "NAME":
                    raise self.error("only a plain name can be called, as in f(x)")
                node = self.call(start, node.id)
            else:
                node = self.subscript(start, node)
        return node

    def call(self, start: int, func: str) -> Node:
        opener = self.open()
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while not self.at(")"):
            if self.tok.kind == "NAME" and self.peek().kind == "OP" and self.peek().text == "=":
                key_tok = self.advance()
                self.advance()
                if any(key == key_tok.text for key, _ in kwargs):
                    raise self.error(f"keyword argument '{key_tok.text}' given twice", key_tok)
                kwargs.append((key_tok.text, self.implication()))
            else:
                arg_start = self.tok.start
                if kwargs:
                    raise self.error("a positional argument cannot follow a keyword argument")
                arg = self.implication()
                if self.at("for"):
                    if args:
                        raise self.error("a generator must be the only argument of a call")
                    arg = self.generator(arg_start, arg)
                    if not self.at(")"):
                        raise self.error("a generator must be the only argument of a call")
                args.append(arg)
            if not self.at(","):
                break
            self.advance()
            if self.at(")") and args and isinstance(args[-1], Generator):
                raise self.error("a generator must be the only argument of a call")
        self.close(opener)
        return Call(span=(start, self.prev_end), func=func, args=tuple(args), kwargs=tuple(kwargs))

    def generator(self, start: int, elt: Node) -> Node:
        self.advance()  # 'for'
        if self.tok.kind != "NAME":
            raise self.unexpected("a loop variable name after 'for'")
        var = self.advance().text
        self.expect("in", "'in' after the loop variable")
        iterable = self.or_expr()
        cond = None
        if self.at("if"):
            self.advance()
            cond = self.or_expr()
        return Generator(span=(start, self.prev_end), elt=elt, var=var, iter=iterable, cond=cond)

    def subscript(self, start: int, value: Node) -> Node:
        opener = self.open()
        index_start = self.tok.start
        lo = None if self.at(":") else self.implication()
        if self.at(":"):
            self.advance()
            hi = None if self.at("]") else self.implication()
            index: Node = Slice(span=(index_start, self.prev_end), lo=lo, hi=hi)
        else:
            index = lo  # type: ignore[assignment]
        self.close(opener)
        return Subscript(span=(start, self.prev_end), value=value, index=index)

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "NUM":
            self.advance()
            return Num(span=(tok.start, tok.end), value=tok.value)  # type: ignore[arg-type]
        if tok.kind == "STR":
            self.advance()
            return Str(span=(tok.start, tok.end), value=tok.value)  # type: ignore[arg-type]
        if tok.kind == "NAME":
            self.advance()
            return Name(span=(tok.start, tok.end), id=tok.text)
        if tok.kind == "KW" and tok.text in ("true", "True", "false", "False"):
            self.advance()
            return Bool(span=(tok.start, tok.end), value=tok.text.lower() == "true")
        if self.at("["):
            return self.list_literal()
        if self.at("("):
            opener = self.open()
            inner = self.implication()
            if self.at(","):
                raise self.error("tuples are not part of the expression language")
            self.close(opener)
            return inner
        if tok.kind == "KW" and tok.text not in ("not",):
            if tok.text == "for":
                raise self.unexpected("")
            raise self.error(f"'{tok.text}' is a reserved word and cannot start an expression here")
        if tok.kind == "EOF" and not self.open_brackets and self.pos > 0:
            prev = self.tokens[self.pos - 1]
            raise self.error(f"expected an expression after '{prev.text}'")
        raise self.unexpected("an expression")

    def list_literal(self) -> Node:
        opener = self.open()
        items: list[Node] = []
        while not self.at("]"):
            items.append(self.implication())
            if not self.at(","):
                break
            self.advance()
        self.close(opener)
        return ListLit(span=(opener.start, self.prev_end), items=tuple(items))


def parse_expr(text: str) -> Node:
    """Parse one expression; raise :class:`ExprSyntaxError` with an exact offset."""
    if not isinstance(text, str):
        raise ExprSyntaxError(f"expected expression text, got {type(text).__name__}", 0)
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise ExprSyntaxError("expression nested too deeply", 0) from None
