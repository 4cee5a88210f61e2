"""Domains → strategies: dependent draws in order, no filtering, empty domains detected."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import Scope
from kvcontract.engines.strategies import (
    ARRAY_DIM_CAP,
    EmptyDomain,
    enumerate_inputs,
    input_plan,
    inputs_strategy,
    roots_of,
    to_jsonable,
)

P = SourcePos("t.yaml", 1, 1)


def d(kind: str, **kw) -> Domain:
    for key in ("min", "max", "value"):
        if isinstance(kw.get(key), (str, int, float)):
            kw[key] = parse_expr(str(kw[key]))
    return Domain(kind, P, **kw)


VARIABLES = {
    "kv_len": d("int", min=0, max="S"),  # declared before what it depends on
    "S": d("int", min=1, max=100000),
    "n_kv": d("int", min=1, max=8),
    "group": d("int", min=1, max=4),
    "n_heads": d("derived", value="n_kv * group"),
    "eps": d("float", min=0.0, max=0.1, exclusive_min=True, exclusive_max=True),
    "dtype": d("enum", values=("f16", "f32")),
    "layers": d("list", element=d("enum", values=("full", "linear")), min_len=1, max_len=5),
    "m": d("int", min=1, max=1000),
    "W": d("array", dtype="float32", shape=("m", 3), min=-1.5, max=1.5),
    "flag": d("bool"),
}


def test_plan_orders_dependencies_first_and_draws_only_what_is_read():
    plan = input_plan(VARIABLES, ["kv_len", "n_heads"])
    assert plan.order == ("S", "kv_len", "n_kv", "group", "n_heads")
    assert "eps" not in plan.domains


def test_roots_include_parameters_of_called_functions():
    from kvcontract.expr.scope import EquationFn

    scope = Scope({}, {"f": EquationFn("f", ("a", "b"), parse_expr("a + c"))})
    assert set(roots_of([parse_expr("f(1) > x")], scope)) >= {"x", "f", "a", "b", "c"}


@settings(max_examples=150, database=None, deadline=None)
@given(inputs_strategy(input_plan(VARIABLES, list(VARIABLES)), Scope()))
def test_every_draw_respects_its_domain(values):
    assert 0 <= values["kv_len"] <= values["S"] <= 100000
    assert values["n_heads"] == values["n_kv"] * values["group"]
    assert 0.0 < values["eps"] < 0.1
    assert values["dtype"] in ("f16", "f32")
    assert 1 <= len(values["layers"]) <= 5 and set(values["layers"]) <= {"full", "linear"}
    assert isinstance(values["flag"], bool)
    W = values["W"]
    assert W.dtype == np.float32 and W.shape == (values["m"], 3)
    assert 1 <= values["m"] <= ARRAY_DIM_CAP  # a dimension variable is capped
    assert np.all(np.abs(W) <= 1.5)


def test_plan_reports_when_the_dimension_cap_narrows_a_domain():
    assert input_plan(VARIABLES, ["W"]).capped
    small = {"m": d("int", min=1, max=4), "W": d("array", shape=("m",), min=0.0, max=1.0)}
    assert not input_plan(small, ["W"]).capped


@pytest.mark.parametrize("variables", [
    {"e": d("enum", values=())},
    {"a": d("int", min=5, max=4)},
    {"lo": d("int", min=10, max=20), "a": d("int", min="lo", max=9)},
    {"f": d("float", min=1.0, max=1.0, exclusive_min=True)},
    {"xs": d("list", element=d("int", min=0, max=1), min_len=3, max_len=2)},
])
def test_domains_that_can_generate_nothing_raise_empty_domain(variables):
    plan = input_plan(variables, list(variables))
    drawn = []

    @settings(max_examples=5, database=None)
    @given(inputs_strategy(plan, Scope()))
    def draw(values):
        drawn.append(values)

    with pytest.raises(EmptyDomain):
        draw()
    assert drawn == []


def test_dependency_cycle_is_empty_domain():
    with pytest.raises(EmptyDomain, match="cycle"):
        input_plan({"a": d("int", min=0, max="b"), "b": d("int", min=0, max="a")}, ["a"])


def test_enumerate_small_finite_domains_exhaustively():
    variables = {"n": d("int", min=1, max=3), "k": d("int", min=0, max="n"), "b": d("bool"),
                 "xs": d("list", element=d("enum", values=("a", "b")), min_len=0, max_len=2)}
    cases = enumerate_inputs(input_plan(variables, list(variables)), Scope(), limit=1000)
    # k ranges over 0..n: (2 + 3 + 4) pairs, times 2 bools, times 1 + 2 + 4 lists.
    assert len(cases) == 9 * 2 * 7
    assert len({repr(sorted(c.items())) for c in cases}) == len(cases)
    assert all(0 <= c["k"] <= c["n"] for c in cases)


def test_enumerate_gives_up_on_large_or_continuous_domains():
    assert enumerate_inputs(input_plan({"n": d("int", min=0, max=10**6)}, ["n"]), Scope(), limit=1000) is None
    assert enumerate_inputs(input_plan({"x": d("float", min=0.0, max=1.0)}, ["x"]), Scope(), limit=1000) is None
    assert enumerate_inputs(input_plan({}, []), Scope(), limit=10) == [{}]


def test_to_jsonable_turns_arrays_into_lists():
    assert to_jsonable({"W": np.ones((2, 1)), "n": np.int64(3), "x": float("inf")}) == \
        {"W": [[1.0], [1.0]], "n": 3, "x": "inf"}


def test_literal_bounded_strategies_are_built_once_and_dependent_ones_per_draw(monkeypatch):
    from kvcontract.engines import strategies

    built: list[str] = []
    original = strategies._strategy

    def counting(name, *args, **kwargs):
        built.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(strategies, "_strategy", counting)
    plan = input_plan(VARIABLES, ["kv_len", "n_heads", "dtype"])
    seen = []

    @settings(max_examples=20, database=None, derandomize=True)
    @given(inputs_strategy(plan, Scope()))
    def draw(values):
        seen.append(values)
        assert 0 <= values["kv_len"] <= values["S"] and values["n_heads"] == values["n_kv"] * values["group"]

    draw()
    static = {"S", "n_kv", "group", "dtype"}
    assert {name for name in built if built.count(name) == 1} >= static  # once, when the strategy was made
    assert built.count("kv_len") == len(seen) and built.count("n_heads") == len(seen)  # bounds follow the draws
