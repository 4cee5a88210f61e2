"""Concrete semantics: Python arithmetic, short-circuits, calls through the scope, raises()."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvcontract.expr.concrete import EvalError, ImplementationError, evaluate
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn, Scope

SIZES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8}


def kv_total_impl(L, S, n_kv, d_k, dtype):
    if S < 0:
        raise ValueError("sequence length must be non-negative")
    return L * S * 2 * n_kv * d_k * SIZES[dtype]


FUNCTIONS = {
    "kv_total": ImplFn("kv_total", ("L", "S", "n_kv", "d_k", "dtype"), kv_total_impl, "int", "tests:kv_total_impl"),
    "kv_bytes": EquationFn("kv_bytes", ("n_kv", "d_k", "dtype"), parse_expr("2 * n_kv * d_k * sizeof(dtype)"),
                           "per_token_per_layer"),
}
VALUES = {"L": 24, "S": 2048, "n_kv": 2, "d_k": 64, "dtype": "f16", "S1": 2047, "S2": 2048,
          "layer_types": ["full_attention", "mamba", "full_attention"], "xs": [3, 1, 2]}
SCOPE = Scope(VALUES, FUNCTIONS)


def ev(text, scope=SCOPE):
    return evaluate(parse_expr(text), scope)


small = st.integers(min_value=-50, max_value=50)
nonzero = small.filter(lambda v: v != 0)


@settings(max_examples=200, deadline=None)
@given(small, nonzero)
def test_floor_division_and_modulo_are_pythons(a, b):
    scope = Scope({"a": a, "b": b})
    assert ev("a // b", scope) == a // b
    assert ev("a % b", scope) == a % b
    assert ev("a / b", scope) == a / b
    assert ev("ceil_div(a, b)", scope) == -(-a // b)


@pytest.mark.parametrize("text,expected", [
    ("-7 // 2", -4), ("-7 % 2", 1), ("7 % -2", -1), ("7 // -2", -4), ("-7.5 // 2", -4.0),
    ("7 / 2", 3.5), ("2 ** -1", 0.5), ("-2 ** 2", -4), ("2 ** 3 ** 2", 512),
    ("1 < 2 < 3", True), ("1 < 3 < 2", False), ("1 = 1.0", True), ("'a' != 'b'", True),
    ("2 in xs", True), ("5 not in xs", True), ("'mamba' in layer_types", True), ("'ab' in 'cabd'", True),
    ("3 in range(4)", True), ("4 in range(4)", False), ("range(3) == [0, 1, 2]", True),
    ("S ∈ [2048, 4096)", True), ("S ∈ (2048, 4096)", False), ("S ∈ [0, 2048]", True), ("S ∈ [0, 2048)", False),
    ("1 if S > 0 else 2", 1), ("xs[0]", 3), ("xs[-1]", 2), ("xs[1:]", [1, 2]), ("xs[:1]", [3]),
    ("sizeof('bf16') + sizeof('int8') + sizeof('fp8') + sizeof('f64')", 12),
    ("min(xs) + max(xs)", 4), ("min(4, 2.5, 9)", 2.5), ("sum(xs)", 6), ("len(xs)", 3), ("abs(-3)", 3),
    ("count(t == 'full_attention' for t in layer_types)", 2), ("sum(x * x for x in xs if x > 1)", 13),
    ("all(x > 0 for x in xs)", True), ("any(x > 3 for x in xs)", False), ("floor_div(-7, 2)", -4),
    ("log2(8)", 3.0), ("sqrt(9)", 3.0), ("int(2.9)", 2), ("int(-2.9)", -2), ("float(2)", 2.0),
    ("endswith('model.f16', 'f16')", True), ("startswith('f16', 'bf')", False), ("contains('bf16', 'f1')", True),
    ("append(xs, 9)", [3, 1, 2, 9]), ("isfinite(1e308 * 10)", False), ("norm([1, -4, 2])", 4.0),
])
def test_expression_values(text, expected):
    value = ev(text)
    assert value == expected and type(value) is type(expected)


def test_array_semantics():
    scope = Scope({"W": np.array([[1.0, -2.0], [0.5, 0.0]]), "v": np.array([1.0, 1.0])})
    assert ev("zeros(2, 2) == zeros(2, 2)", scope) is True
    assert ev("zeros(2) == zeros(3)", scope) is False  # different shapes: not equal, no error
    assert ev("W @ v == [-1.0, 0.5]", scope) is True
    assert ev("norm(W)", scope) == 2.0
    assert ev("allclose(W, W + 0.001, atol=0.01)", scope) is True
    assert ev("allclose(W, W + 0.1, atol=0.01)", scope) is False
    assert ev("allclose(v, zeros(3), atol=10)", scope) is False
    assert ev("all(W >= -2) and any(W > 0.9) and count(W >= 1.0) == 1", scope) is True
    assert ev("len(append(W, v)) == 3 and append(W, v)[2] == v", scope) is True
    assert ev("ones(3) == [1.0, 1.0, 1.0]", scope) is True
    with pytest.raises(EvalError, match="ambiguous"):
        ev("W > 0 and true", scope)


@pytest.mark.parametrize("text,fragment,span", [
    ("1 / 0", "division by zero", (0, 5)),
    ("S // (S - S)", "division by zero", (0, 12)),
    ("S % 0", "modulo by zero", (0, 5)),
    ("1.0 / zeros(2)", "division by zero", (0, 14)),
    ("0 ** -1", "division by zero", (0, 7)),
    ("S + nope", "unknown name 'nope'", (4, 8)),
    ("kv_totl > 0", "did you mean 'kv_total'", (0, 7)),
    ("frobnicate(1)", "unknown function", (0, 13)),
    ("abs", "must be called", (0, 3)),
    ("xs[7]", "out of range", (0, 5)),
    ("xs[1.5]", "integer", (3, 6)),
    ("sizeof('f8')", "known: f16, bf16, f32, f64, int8, fp8", (0, 12)),
    ("sizeof(3)", "dtype name", (0, 9)),
    ("abs(1, 2)", "takes 1 argument", (0, 9)),
    ("min([])", "empty", (0, 7)),
    ("'a' + 1", "+", (0, 7)),
    ("'a' < 1", "cannot compare", (0, 7)),
    ("kv_total(Q=1)", "no parameter 'Q'", (0, 13)),
    ("kv_total(1, 2, 3, 4, 5, 6)", "takes 5 argument", (0, 26)),
    ("zeros(10 ** 9)", "exceeds", (0, 14)),
    ("10 ** 10 ** 10", "too large", (0, 14)),
    ("sqrt(-1)", "sqrt()", (0, 8)),
    ("(-8) ** 0.5", "not a real number", (0, 11)),
    ("len(3)", "len()", (0, 6)),
])
def test_evaluation_errors_name_the_failing_node(text, fragment, span):
    with pytest.raises(EvalError) as info:
        ev(text)
    assert fragment in info.value.message
    assert info.value.span == span


def test_error_inside_an_equation_body_names_the_equation():
    with pytest.raises(EvalError) as info:
        ev("kv_bytes(dtype='f8') > 0")
    assert info.value.function == "per_token_per_layer"
    assert "unknown dtype 'f8'" in info.value.message


def test_missing_parameter_is_an_eval_error():
    scope = Scope({"S": 1}, FUNCTIONS)
    with pytest.raises(EvalError, match="parameter 'L' is neither given nor a variable"):
        ev("kv_total(S=2)", scope)


def test_implication_short_circuits():
    assert ev("S1 > S2 => 1 / 0 > 0") is True  # premise false: the conclusion is never evaluated
    with pytest.raises(EvalError):
        ev("S1 < S2 => 1 / 0 > 0")
    assert ev("false and 1 / 0 > 0") is False
    assert ev("true or 1 / 0 > 0") is True
    assert ev("3 < 2 < 1 / 0") is False  # a chain stops at its first false link
    assert ev("1 if true else 1 / 0") == 1


def test_call_binding_replaces_only_the_named_parameters():
    expected = {S: 24 * S * 2 * 2 * 64 * 2 for S in (2047, 2048)}
    assert ev("kv_total(S=S1)") == expected[2047]
    assert ev("kv_total(24, S2)") == expected[2048]
    assert ev("kv_total") == expected[2048]  # bare name: every parameter from the current values
    assert ev("S1 < S2 => kv_total(S=S1) < kv_total(S=S2)") is True
    assert ev("kv_total == L * S * kv_bytes") is True
    assert ev("kv_bytes(1, 1, 'f32')") == 8


def test_variable_wins_over_function_of_the_same_name():
    scope = Scope({**VALUES, "kv_bytes": 7}, FUNCTIONS)
    assert ev("kv_bytes", scope) == 7


def test_recursive_definition_is_an_error_not_a_crash():
    loop = {"f": EquationFn("f", ("x",), parse_expr("f(x) + 1"), "loop")}
    with pytest.raises(EvalError, match="nested more than"):
        ev("f(1)", Scope({}, loop))


def test_numpy_scalars_from_an_implementation_become_python_numbers():
    fns = {"g": ImplFn("g", ("x",), lambda x: np.int64(2) ** 62)}
    assert type(ev("g(0)", Scope({}, fns))) is int
    assert ev("g(0) * 4", Scope({}, fns)) == 2**64  # the contract's arithmetic does not wrap around at int64


def test_raises_checks_the_implementations_exception_class():
    assert ev("raises(kv_total(S=-1))") is True
    assert ev("raises(kv_total(S=-1), 'ValueError')") is True
    assert ev("raises(kv_total(S=-1), 'Exception')") is True  # a base class matches
    assert ev("raises(kv_total(S=-1), 'KeyError')") is False
    assert ev("raises(kv_total(S=1))") is False
    assert ev("raises(kv_bytes(d_k=-1))") is False  # the formula does not raise


def test_raises_does_not_hide_errors_of_the_contract_itself():
    with pytest.raises(EvalError, match="division by zero"):
        ev("raises(1 / 0)")
    with pytest.raises(EvalError, match="string literal"):
        ev("raises(kv_total, dtype)")


def test_raises_does_not_swallow_recursion_errors():
    def runaway(x):
        return runaway(x)

    scope = Scope({}, {"r": ImplFn("r", ("x",), runaway)})
    with pytest.raises(ImplementationError) as info:
        ev("raises(r(1), 'RuntimeError')", scope)
    assert isinstance(info.value.exception, RecursionError)


def test_implementation_error_carries_the_implementations_traceback_only():
    with pytest.raises(ImplementationError) as info:
        ev("kv_total(S=-1) > 0")
    err = info.value
    assert err.symbol == "kv_total" and err.target == "tests:kv_total_impl"
    assert isinstance(err.exception, ValueError)
    assert "kv_total_impl" in err.traceback_text
    assert "sequence length must be non-negative" in err.traceback_text
    assert "kvcontract/expr" not in err.traceback_text


def test_keyboard_interrupt_is_never_caught():
    def interrupted(x):
        raise KeyboardInterrupt

    scope = Scope({}, {"k": ImplFn("k", ("x",), interrupted)})
    with pytest.raises(KeyboardInterrupt):
        ev("raises(k(1))", scope)


def test_generator_outside_a_call_is_an_error():
    from kvcontract.expr.nodes import Generator, Name

    node = Generator(span=(0, 3), elt=Name(id="x"), var="x", iter=Name(id="xs"))
    with pytest.raises(EvalError, match="sole argument"):
        evaluate(node, SCOPE)


def test_an_implementation_cannot_mutate_the_variables():
    def pop_first(xs):
        xs.pop(0)
        return len(xs)

    scope = Scope({"xs": [1, 2, 3]}, {"shrink": ImplFn("shrink", ("xs",), pop_first)})
    assert ev("shrink(xs) == 2 and len(xs) == 3 and shrink == 2", scope) is True


def test_nested_lists_and_arrays_reach_implementations_as_copies_too():
    import numpy as np

    def scribble(rows, arr):
        rows[0].append(99)
        arr[0] = 42.0
        return 0

    rows, arr = [[1], [2]], np.zeros(2)
    scope = Scope({"rows": rows, "arr": arr}, {"scribble": ImplFn("scribble", ("rows", "arr"), scribble)})
    assert ev("scribble(rows, arr) == 0", scope) is True
    assert rows == [[1], [2]] and arr.tolist() == [0.0, 0.0]
