"""The parser follows the precedence table of docs/contract-format.md and points at every error."""
from __future__ import annotations

import pytest

from kvcontract.expr.nodes import (
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
    Num,
    Slice,
    Str,
    Subscript,
    Unary,
)
from kvcontract.expr.parse import ExprSyntaxError, parse_expr
from kvcontract.expr.printer import to_text

a, b, c, d = Name(id="a"), Name(id="b"), Name(id="c"), Name(id="d")


def cmp(left, op, right):
    return Compare(left=left, ops=(op,), comparators=(right,))


def bin_(op, left, right):
    return Binary(op=op, left=left, right=right)


PRECEDENCE = [
    # level 1: implication, lowest and right-associative
    ("a => b => c", Implies(premise=a, conclusion=Implies(premise=b, conclusion=c))),
    ("a ⇒ b", Implies(premise=a, conclusion=b)),
    ("a or b => c", Implies(premise=BoolOp(op="or", values=(a, b)), conclusion=c)),
    # level 2: ternary binds tighter than =>, looser than or
    ("a => b if c else d", Implies(premise=a, conclusion=IfExp(cond=c, then=b, orelse=d))),
    ("a or b if c else d", IfExp(cond=c, then=BoolOp(op="or", values=(a, b)), orelse=d)),
    ("a if b else c if d else a", IfExp(cond=b, then=a, orelse=IfExp(cond=d, then=c, orelse=a))),
    # levels 3-5: or, and, not
    ("a or b and c", BoolOp(op="or", values=(a, BoolOp(op="and", values=(b, c))))),
    ("a or b or c", BoolOp(op="or", values=(a, b, c))),
    ("a ∨ b ∧ c", BoolOp(op="or", values=(a, BoolOp(op="and", values=(b, c))))),
    ("not a and b", BoolOp(op="and", values=(Unary(op="not", operand=a), b))),
    ("¬a", Unary(op="not", operand=a)),
    ("not a == b", Unary(op="not", operand=cmp(a, "==", b))),
    ("not not a", Unary(op="not", operand=Unary(op="not", operand=a))),
    # level 6: comparison chains, membership, intervals
    ("a < b <= c", Compare(left=a, ops=("<", "<="), comparators=(b, c))),
    ("a ≤ b ≥ c ≠ d", Compare(left=a, ops=("<=", ">=", "!="), comparators=(b, c, d))),
    ("a = b + c", cmp(a, "=", bin_("+", b, c))),
    ("a == b", cmp(a, "==", b)),
    ("a in b", cmp(a, "in", b)),
    ("a not in b", cmp(a, "not_in", b)),
    ("a ∈ b", cmp(a, "in", b)),
    ("a ∉ b", cmp(a, "not_in", b)),
    ("a ∈ [b, c]", Interval(value=a, lo=b, hi=c, lo_closed=True, hi_closed=True)),
    ("a ∈ (b, c)", Interval(value=a, lo=b, hi=c, lo_closed=False, hi_closed=False)),
    ("a ∈ [b, c)", Interval(value=a, lo=b, hi=c, lo_closed=True, hi_closed=False)),
    ("a + 1 ∈ (b, c]", Interval(value=bin_("+", a, Num(value=1)), lo=b, hi=c, lo_closed=False, hi_closed=True)),
    # levels 7-8: additive, multiplicative, left-associative
    ("a - b - c", bin_("-", bin_("-", a, b), c)),
    ("a + b * c", bin_("+", a, bin_("*", b, c))),
    ("a // b % c @ d", bin_("@", bin_("%", bin_("//", a, b), c), d)),
    ("a / b * c", bin_("*", bin_("/", a, b), c)),
    # level 9-10: unary and power
    ("-a ** 2", Unary(op="-", operand=bin_("**", a, Num(value=2)))),
    ("a ** b ** c", bin_("**", a, bin_("**", b, c))),
    ("2 ** -1", bin_("**", Num(value=2), Unary(op="-", operand=Num(value=1)))),
    ("-a * b", bin_("*", Unary(op="-", operand=a), b)),
    ("+-a", Unary(op="+", operand=Unary(op="-", operand=a))),
    # level 11: calls, subscripts, slices
    ("f(a, k=b)", Call(func="f", args=(a,), kwargs=(("k", b),))),
    ("f()", Call(func="f")),
    ("f(a,)", Call(func="f", args=(a,))),
    ("a[b]", Subscript(value=a, index=b)),
    ("a[b:c]", Subscript(value=a, index=Slice(lo=b, hi=c))),
    ("a[:c]", Subscript(value=a, index=Slice(lo=None, hi=c))),
    ("a[b:]", Subscript(value=a, index=Slice(lo=b, hi=None))),
    ("f(a)[0][1]", Subscript(value=Subscript(value=Call(func="f", args=(a,)), index=Num(value=0)), index=Num(value=1))),
    ("-a[0] ** 2", Unary(op="-", operand=bin_("**", Subscript(value=a, index=Num(value=0)), Num(value=2)))),
    ("f(a == b)", Call(func="f", args=(cmp(a, "==", b),))),
    ("f((a = b))", Call(func="f", args=(cmp(a, "=", b),))),
    (
        "count(t == 'x' for t in a if t != b)",
        Call(func="count", args=(Generator(elt=cmp(Name(id="t"), "==", Str(value="x")), var="t", iter=a,
                                           cond=cmp(Name(id="t"), "!=", b)),)),
    ),
    # atoms
    ("1e-5", Num(value=1e-5)),
    ("1.5E3", Num(value=1500.0)),
    (".5", Num(value=0.5)),
    ("42", Num(value=42)),
    ("'f16'", Str(value="f16")),
    ('"f16"', Str(value="f16")),
    ("'it\\'s'", Str(value="it's")),
    ("true", Bool(value=True)),
    ("False", Bool(value=False)),
    ("[]", ListLit()),
    ("[a, [b]]", ListLit(items=(a, ListLit(items=(b,))))),
    ("(((a)))", a),
]


@pytest.mark.parametrize("text,tree", PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence_table(text, tree):
    assert parse_expr(text) == tree


def test_int_and_float_literals_keep_their_python_type():
    assert type(parse_expr("2").value) is int
    assert type(parse_expr("2.0").value) is float
    assert type(parse_expr("2e3").value) is float


def test_spans_cover_source_text_including_parentheses():
    text = "(a + b) * c == f(x, k=1)"
    tree = parse_expr(text)
    assert text[slice(*tree.span)] == text
    product = tree.left
    assert text[slice(*product.span)] == "(a + b) * c"
    assert text[slice(*product.left.span)] == "a + b"  # the operand itself, without its parentheses
    call = tree.comparators[0]
    assert text[slice(*call.span)] == "f(x, k=1)"
    assert text[slice(*call.kwargs[0][1].span)] == "1"


def test_spans_of_unicode_text_are_character_offsets():
    text = "x ∈ [0, n) ∧ ¬b"
    tree = parse_expr(text)
    interval, negation = tree.values
    assert text[slice(*interval.span)] == "x ∈ [0, n)"
    assert text[slice(*negation.span)] == "¬b"


ERRORS = [
    ("", 0, "empty expression"),
    ("   ", 0, "empty expression"),
    ("a +", 3, "expected an expression after '+'"),
    ("a + * b", 4, "expected an expression"),
    ("(a + b", 0, "unclosed '('"),
    ("f(a, [b", 5, "unclosed '['"),
    ("a + b)", 5, "unmatched ')'"),
    ("a]", 1, "unmatched ']'"),
    ("a b", 2, "after the end of the expression"),
    ("'abc", 0, "unterminated string"),
    ("x == \"f16", 5, "unterminated string"),
    ("x for x in y", 2, "generator"),
    ("[x for x in y]", 3, "generator"),
    ("f(a, x for x in y)", 7, "only argument"),
    ("f(x for x in y, a)", 14, "only argument"),
    ("rope_theta.is_finite()", 10, "'.' is not part of the expression language"),
    ("f(x)(y)", 4, "only a plain name can be called"),
    ("(f)(y)", 3, "only a plain name can be called"),
    ("(a, b)", 2, "tuples"),
    ("if", 0, "reserved word"),
    ("a == in", 5, "reserved word"),
    ("x ∈ [1, 2, 3]", 9, "exactly two bounds"),
    ("x ∈ [1]", 6, "','"),
    ("a < x ∈ [1, 2]", 6, "cannot be part of a comparison chain"),
    ("x ∈ [1, 2] < 3", 11, "cannot be part of a comparison chain"),
    ("f(k=1, 2)", 7, "positional argument cannot follow"),
    ("f(k=1, k=2)", 7, "given twice"),
    ("2x", 0, "invalid number literal"),
    ("1e+", 0, "exponent"),
    ("a if b", 6, "'else'"),
    ("a && b", 2, "'and'"),
    ("!a", 0, "'not'"),
    ("a $ b", 2, "unexpected character"),
    ("x²", 1, "unexpected character"),  # str.isdigit() says yes, int() says no
    ("n ∈ ℤ⁺", 5, "unexpected character"),
    ("count(for x in y)", 6, "generator"),
    ("f(x for 1 in y)", 8, "loop variable"),
    ("(" * 60 + "a" + ")" * 60, 50, "nested too deeply"),
]


@pytest.mark.parametrize("text,offset,fragment", ERRORS, ids=[t[:20] for t, _, _ in ERRORS])
def test_error_positions(text, offset, fragment):
    with pytest.raises(ExprSyntaxError) as info:
        parse_expr(text)
    assert info.value.offset == offset, info.value.message
    assert fragment in info.value.message


def test_legacy_prose_formulas_do_not_parse():
    for prose in ["W @ zeros = zeros when no bias", "rope_theta.is_finite() and rope_theta > 0", "O(n^2)"]:
        with pytest.raises(ExprSyntaxError):
            parse_expr(prose)


def test_deeply_nested_unary_is_an_error_not_a_crash():
    with pytest.raises(ExprSyntaxError):
        parse_expr("-" * 5000 + "a")


def test_keywords_are_reserved_but_prefixed_names_are_not():
    assert parse_expr("format + iffy + android") == bin_("+", bin_("+", Name(id="format"), Name(id="iffy")),
                                                         Name(id="android"))
    with pytest.raises(ExprSyntaxError):
        parse_expr("for + 1")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["a", "f", "1", "2.5e-3", "'s'", " ", "(", ")", "[", "]", ",", ":", "=", "==", "=>", "<", "∈", "not",
           "in", "if", "else", "for", "and", "or", "+", "-", "*", "**", "//", ".", "\"", "¬", "≤", "@", "!"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map(" ".join) | st.text(max_size=20))
def test_any_text_parses_or_raises_a_positioned_syntax_error(text):
    try:
        tree = parse_expr(text)
    except ExprSyntaxError as exc:
        assert 0 <= exc.offset <= len(text)
        assert exc.message
    else:
        assert 0 <= tree.span[0] <= tree.span[1] <= len(text)
        assert parse_expr(to_text(tree)) == tree
