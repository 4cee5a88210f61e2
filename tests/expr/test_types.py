"""The type checker reports certain mistakes and stays quiet about correct expressions."""
from __future__ import annotations

import pytest

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.types import (
    ANY, ARRAY, BOOL, INT, REAL, STR, FnSig, enum_of, infer, join, list_of, type_from_name, type_of_domain,
)

DTYPE = enum_of(["f16", "bf16", "f32", "f64", "int8", "fp8"])
LAYER = enum_of(["full_attention", "linear_attention", "mamba"])
VARS = {
    "n_kv": INT, "d_k": INT, "L": INT, "S": INT, "S1": INT, "S2": INT, "eps": REAL, "has_bias": BOOL,
    "dtype": DTYPE, "layer_types": list_of(LAYER), "W": ARRAY, "name": STR, "quant": enum_of(["f16", "int4"]),
}
FUNCTIONS = {
    "kv_total": FnSig(("L", "S", "n_kv", "d_k", "dtype"), (INT, INT, INT, INT, DTYPE), INT),
    "kv_bytes": FnSig(("n_kv", "d_k", "dtype"), (INT, INT, DTYPE), INT),
}


def check(text):
    return infer(parse_expr(text), VARS, FUNCTIONS)


CLEAN = [
    ("2 * n_kv * d_k * sizeof(dtype)", INT),
    ("kv_bytes = 2 * n_kv * d_k * sizeof(dtype)", BOOL),
    ("S1 < S2 => kv_total(S=S1) < kv_total(S=S2)", BOOL),
    ("kv_total == L * S * kv_bytes", BOOL),
    ("eps * n_kv", REAL),
    ("n_kv / d_k", REAL),
    ("n_kv // d_k", INT),
    ("count(t == 'full_attention' for t in layer_types)", INT),
    ("dtype in ['f16', 'bf16']", BOOL),
    ("dtype == 'f16' or dtype != 'fp8'", BOOL),
    ("layer_types[0]", LAYER),
    ("layer_types[1:]", list_of(LAYER)),
    ("all(W >= 0) and norm(W) < 1e3", BOOL),
    ("W @ W", ARRAY),
    ("allclose(W, zeros(3), atol=1e-5, rtol=0)", BOOL),
    ("raises(kv_total(S=-1), 'ValueError')", BOOL),
    ("max(n_kv, eps)", REAL),
    ("min(layer_types)", LAYER),
    ("sum(x for x in range(n_kv))", INT),
    ("n_kv if has_bias else eps", REAL),
    ("S ∈ [1, 2 ** 20)", BOOL),
    ("name + '.bin'", STR),
    ("endswith(name, '.bin')", BOOL),
    ("kv_bytes(1, 1, 'f32')", INT),
]


@pytest.mark.parametrize("text,expected", CLEAN, ids=[t for t, _ in CLEAN])
def test_correct_expressions_have_no_issues(text, expected):
    result, issues = check(text)
    assert issues == []
    assert result == expected


MISTAKES = [
    ("n_kvv + 1", "unknown name 'n_kvv'; did you mean 'n_kv'?", "n_kvv"),
    ("kv_totl(S=1)", "unknown function 'kv_totl'; did you mean 'kv_total'?", "kv_totl(S=1)"),
    ("abs(S1, S2)", "abs() takes 1 argument(s), got 2", "abs(S1, S2)"),
    ("ceil_div(S)", "ceil_div() takes 2 argument(s), got 1", "ceil_div(S)"),
    ("allclose(W, W, tol=1)", "no keyword argument 'tol'", "allclose(W, W, tol=1)"),
    ("n_kv == 'f16'", "comparing int with str", "'f16'"),
    ("dtype < 3", "comparing enum", "3"),
    ("has_bias + 1", "arithmetic '+' on a bool", "has_bias"),
    ("-has_bias", "arithmetic '-' on a bool", "has_bias"),
    ("name * 2.5", "arithmetic '*' on a string", "name"),
    ("dtype == 'f61'", "'f61' is not a value of dtype", "'f61'"),
    ("'fp16' != dtype", "did you mean 'f16'?", "'fp16'"),
    ("dtype in ['f16', 'f61']", "'f61' is not a value of dtype", "'f61'"),
    ("count(t == 'full_atention' for t in layer_types)", "did you mean 'full_attention'?", "'full_atention'"),
    ("kv_bytes(dtype='f61')", "'f61' is not a value of dtype", "'f61'"),
    ("sizeof(n_kv)", "sizeof() needs a string, got int", "n_kv"),
    ("sizeof('f61')", "sizeof() does not know dtype 'f61'", "'f61'"),
    ("sizeof(quant)", "does not know dtype 'int4'", "quant"),
    ("kv_total(Q=1)", "kv_total() has no parameter 'Q'", "1"),
    ("kv_total(1, 2, 3, 4, 'f16', 6)", "takes 5 argument(s)", "kv_total(1, 2, 3, 4, 'f16', 6)"),
    ("kv_total(n_kv='f16')", "parameter 'n_kv' is int, got str", "'f16'"),
    ("abs", "builtin 'abs' must be called", "abs"),
    ("W > 0 and has_bias", "truth value of an array is ambiguous", "W > 0"),
    ("n_kv => has_bias", "'=>' needs a bool, got int", "n_kv"),
    ("has_bias => eps", "'=>' needs a bool, got float", "eps"),
    ("has_bias and d_k", "'and' needs a bool, got int", "d_k"),
    ("dtype or has_bias", "'or' needs a bool, got enum", "dtype"),
    ("not S", "'not' needs a bool, got int", "S"),
    ("not layer_types", "'not' needs a bool, got list", "layer_types"),
    ("1 if S else 2", "'if' needs a bool, got int", "S"),
    ("3 in n_kv", "'in' needs a list", "n_kv"),
    ("layer_types['a']", "an index must be an integer", "'a'"),
    ("n_kv[0]", "cannot subscript a int", "n_kv"),
    ("len(n_kv)", "len() needs a list, range or array, got int", "n_kv"),
    ("sum(x for x in S)", "cannot iterate over int", "S"),
    ("raises(kv_total, dtype)", "must be a string literal", "dtype"),
]


@pytest.mark.parametrize("text,fragment,source", MISTAKES, ids=[t for t, _, _ in MISTAKES])
def test_certain_mistakes_are_reported_at_their_span(text, fragment, source):
    _, issues = check(text)
    assert len(issues) == 1, issues
    assert fragment in issues[0].message
    assert text[slice(*issues[0].span)] == source


def test_missing_parameter_of_a_function_is_reported():
    _, issues = infer(parse_expr("kv_total(S=1)"), {"S": INT}, FUNCTIONS)
    assert [i.message for i in issues] == [
        f"kv_total(): parameter '{p}' is neither given nor a variable in scope" for p in ("L", "n_kv", "d_k", "dtype")
    ]


def test_implication_of_ints_is_a_type_error_on_both_sides():
    _, issues = infer(parse_expr("x => x"), {"x": INT}, {})
    assert [(i.message, i.span) for i in issues] == [("'=>' needs a bool, got int", (0, 1)),
                                                     ("'=>' needs a bool, got int", (5, 6))]


@pytest.mark.parametrize("text", ["has_bias => S > 0", "not has_bias", "all(W >= 0) or any(W < 0)",
                                  "count(t == 'mamba' for t in layer_types if t != 'mamba') > 0", "unknown_x => has_bias"])
def test_boolean_operands_of_bool_or_unknown_type_are_accepted(text):
    _, issues = check(text)
    assert [i for i in issues if i.kind == "type"] == []


def test_generator_variable_is_local_to_the_generator():
    _, issues = check("count(t == 'mamba' for t in layer_types) > 0 and t == 1")
    assert [i.message for i in issues] == ["unknown name 't'"]


def test_join_promotes_and_unifies():
    assert join(INT, REAL) == REAL
    assert join(INT, BOOL) == INT
    assert join(ANY, STR) == ANY
    assert join(enum_of(["a"]), enum_of(["b"])) == enum_of(["a", "b"])
    assert join(enum_of(["a"]), STR) == STR
    assert join(STR, INT) == ANY


def test_type_names_and_domains():
    assert type_from_name("list[str]") == list_of(STR)
    assert type_from_name("float") == REAL
    assert type_from_name("array") == ARRAY
    assert type_from_name("whatever") == ANY
    pos = SourcePos("c.yaml", 1, 1)
    assert type_of_domain(Domain(kind="int", pos=pos)) == INT
    assert type_of_domain(Domain(kind="float", pos=pos)) == REAL
    assert type_of_domain(Domain(kind="enum", pos=pos, values=("a", "b"))) == enum_of(["a", "b"])
    element = Domain(kind="enum", pos=pos, values=("mamba",))
    assert type_of_domain(Domain(kind="list", pos=pos, element=element)) == list_of(enum_of(["mamba"]))
    assert type_of_domain(Domain(kind="derived", pos=pos)) == ANY
    assert str(list_of(REAL)) == "list[float]"
