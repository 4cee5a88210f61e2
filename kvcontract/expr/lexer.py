"""The tokenizer of the expression language (see :mod:`kvcontract.expr.parse`).

Unicode operators are normalised to the ASCII spelling the tree records
(``≤`` → ``<=``, ``∧`` → ``and``, ``⇒`` → ``=>``); ``∈``/``∉`` stay as they are
because ``x ∈ [a, b]`` is an interval, not list membership.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExprSyntaxError", "Token", "tokenize", "KEYWORDS"]

KEYWORDS = frozenset({"and", "or", "not", "in", "if", "else", "for", "true", "false", "True", "False"})

# Longest first, so '**' wins over '*' and '=>' over '='.
_SYMBOLS = (
    "=>", "**", "//", "==", "!=", "<=", ">=",
    "⇒", "≤", "≥", "≠", "∧", "∨", "¬", "∈", "∉",
    "<", ">", "=", "+", "-", "*", "/", "%", "@", "(", ")", "[", "]", ",", ":",
)
# Unicode spellings normalised to the ASCII operator the tree records.
_NORMALISE = {"⇒": "=>", "≤": "<=", "≥": ">=", "≠": "!=", "∧": "and", "∨": "or", "¬": "not"}
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


class ExprSyntaxError(Exception):
    """An expression that does not parse: ``message`` and 0-based ``offset``."""

    def __init__(self, message: str, offset: int):
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Token:
    kind: str  # NUM, STR, NAME, KW, OP, EOF
    text: str  # normalised operator / keyword / identifier / raw literal
    start: int
    end: int
    value: object = None

    def describe(self) -> str:
        if self.kind == "EOF":
            return "end of expression"
        if self.kind == "STR":
            return "string literal"
        return f"'{self.text}'"


_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also accepts '²' and '٣'


def _is_name_start(ch: str) -> bool:
    return ch.isidentifier()


def _is_name_char(ch: str) -> bool:
    return ("a" + ch).isidentifier()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            tokens.append(_number(text, i))
            i = tokens[-1].end
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            word = text[i:j]
            tokens.append(Token("KW" if word in KEYWORDS else "NAME", word, i, j))
            i = j
            continue
        if ch in "'\"":
            tokens.append(_string(text, i))
            i = tokens[-1].end
            continue
        for sym in _SYMBOLS:
            if text.startswith(sym, i):
                norm = _NORMALISE.get(sym, sym)
                kind = "KW" if norm in KEYWORDS else "OP"
                tokens.append(Token(kind, norm, i, i + len(sym)))
                i += len(sym)
                break
        else:
            if ch == ".":
                raise ExprSyntaxError(
                    "'.' is not part of the expression language: no attribute access or method calls "
                    "(write a builtin call such as isfinite(x) instead of x.is_finite())",
                    i,
                )
            if ch == "!":
                raise ExprSyntaxError("unexpected '!': write 'not' (or '!=' for inequality)", i)
            if ch in "&|":
                raise ExprSyntaxError(f"unexpected '{ch}': write 'and' / 'or'", i)
            raise ExprSyntaxError(f"unexpected character {ch!r}", i)
    tokens.append(Token("EOF", "", n, n))
    return tokens


def _number(text: str, i: int) -> Token:
    n, j = len(text), i
    while j < n and text[j] in _DIGITS:
        j += 1
    is_float = False
    if j < n and text[j] == ".":
        is_float = True
        j += 1
        while j < n and text[j] in _DIGITS:
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in _DIGITS:
            is_float = True
            j = k
            while j < n and text[j] in _DIGITS:
                j += 1
        else:
            raise ExprSyntaxError("malformed exponent in number literal", i)
    if j < n and (_is_name_char(text[j]) or text[j] == "."):
        raise ExprSyntaxError(f"invalid number literal {text[i:j + 1]!r}", i)
    raw = text[i:j]
    return Token("NUM", raw, i, j, float(raw) if is_float else int(raw))


def _string(text: str, i: int) -> Token:
    quote, j, out = text[i], i + 1, []
    while j < len(text):
        ch = text[j]
        if ch == quote:
            return Token("STR", text[i:j + 1], i, j + 1, "".join(out))
        if ch == "\n":
            break
        if ch == "\\" and j + 1 < len(text) and text[j + 1] in _ESCAPES:
            out.append(_ESCAPES[text[j + 1]])
            j += 2
            continue
        out.append(ch)
        j += 1
    raise ExprSyntaxError("unterminated string literal", i)
