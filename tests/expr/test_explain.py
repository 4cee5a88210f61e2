"""explain() shows every sub-expression of a violated condition, icontract style."""
from __future__ import annotations

from kvcontract.expr.concrete import explain
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn, Scope


def make_scope(calls):
    def kv_total(L, S):
        calls.append(S)
        if S < 0:
            raise ValueError("negative S")
        return L * S - (S == 5)  # a deliberate bug at S == 5

    functions = {
        "kv_total": ImplFn("kv_total", ("L", "S"), kv_total),
        "spec_total": EquationFn("spec_total", ("L", "S"), parse_expr("L * S"), "total"),
    }
    return Scope({"L": 2, "S": 3, "S1": 5, "S2": 6}, functions)


def test_each_sub_expression_with_its_value_in_evaluation_order():
    text = "S1 < S2 => kv_total(S=S1) == spec_total(S=S1)"
    rows = explain(parse_expr(text), make_scope([]), text)
    assert rows == [
        ("S1", "5"),
        ("S2", "6"),
        ("S1 < S2", "True"),
        ("kv_total(S=S1)", "9"),
        ("spec_total(S=S1)", "10"),
        ("kv_total(S=S1) == spec_total(S=S1)", "False"),
        (text, "False"),
    ]


def test_literals_and_equation_bodies_are_left_out():
    text = "spec_total(S=-1) + 2 > 0"
    rows = explain(parse_expr(text), make_scope([]), text)
    sources = [source for source, _ in rows]
    assert "2" not in sources and "-1" not in sources
    assert "L * S" not in sources  # the body's span belongs to the equation's text, not this one
    assert ("spec_total(S=-1)", "-2") in rows


def test_a_failing_sub_expression_shows_its_error_and_does_not_crash():
    text = "kv_total(S=-1) > 0 or 1 / (S - 3) > 0"
    rows = explain(parse_expr(text), make_scope([]), text)
    assert rows[0][0] == "kv_total(S=-1)"
    assert "implementation raised" in rows[0][1] and "ValueError: negative S" in rows[0][1]
    assert all(source != text for source, _ in rows)  # the whole failed: only the origin is listed

    text = "S > 0 and 1 / (S - 3) > 0"
    rows = explain(parse_expr(text), make_scope([]), text)
    assert ("1 / (S - 3)", "<error: division by zero>") in rows


def test_implementation_runs_once_per_argument_tuple():
    calls: list = []
    text = "kv_total(S=S1) == kv_total(S=S1) and kv_total(S=S2) > kv_total(S=S1)"
    explain(parse_expr(text), make_scope(calls), text)
    assert sorted(calls) == [5, 6]


def test_values_are_short():
    text = "range(100000) == xs"
    scope = Scope({"xs": list(range(100000))})
    rows = explain(parse_expr(text), scope, text)
    assert all(len(value) <= 80 for _, value in rows)
    assert rows[-1] == (text, "True")
