"""Soundness of the Z3 engines (review findings): path exploration, replay, floats, examples first.

The implementations here are the reviewer's repros (/tmp/review/badimpl.py, c6/s2-v1.yaml).
"""
from __future__ import annotations

import numbers

from kvcontract.contract.model import Domain, Example
from kvcontract.diagnostics import SourcePos
from kvcontract.engines.bounded import run_conformance_z3, run_harness
from kvcontract.engines.options import RunOptions
from kvcontract.engines.prove import run_proof
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn, Scope
from kvcontract.plan.model import Check
from kvcontract.verdicts.model import Verdict

POS = SourcePos("contracts/test.yaml", 1, 1)
BPE = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}
FEW = RunOptions(max_examples=50)


def _int(lo, hi) -> Domain:
    return Domain("int", POS, min=parse_expr(str(lo)), max=parse_expr(str(hi)))


DOMAINS = {"L": _int(1, 1024), "S": _int(1, 10_000_000), "n_kv": _int(1, 1024), "d_k": _int(1, 1024),
           "dtype": Domain("enum", POS, values=tuple(BPE))}
TOTAL = EquationFn("total_kv_memory", ("L", "S", "n_kv", "d_k", "dtype"),
                   parse_expr("L * S * 2 * n_kv * d_k * sizeof(dtype)"), "total_kv_memory")
CONFORM_TEXT = "kv_total(L, S, n_kv, d_k, dtype) == total_kv_memory(L, S, n_kv, d_k, dtype)"
OVERFLOW_TEXT = "kv_total(L, S, n_kv, d_k, dtype) >= 0"


def kv_total_validating(L, S, n_kv, d_k, dtype):
    """A correct implementation that validates its inputs, as real engines do."""
    if L < 1 or S < 1 or n_kv < 1 or d_k < 1:
        raise ValueError("sizes must be positive")
    return L * S * 2 * n_kv * d_k * BPE[dtype]


def kv_total_too_strict(L, S, n_kv, d_k, dtype):
    if S < 2:  # rejects S = 1, which the contract allows
        raise ValueError("S must be >= 2")
    return L * S * 2 * n_kv * d_k * BPE[dtype]


def kv_total_guarded_needle(L, S, n_kv, d_k, dtype):
    extra = 1 if isinstance(S, numbers.Real) and S % 1_000_003 == 350 * 353 else 0
    return L * (S + extra) * 2 * n_kv * d_k * BPE[dtype]


def kv_total_type_sniffing(L, S, n_kv, d_k, dtype):
    extra = 1 if type(S) is int else 0  # noqa: E721 - wrong for every real int: the tracer cannot see it
    return L * (S + extra) * 2 * n_kv * d_k * BPE[dtype]


def kv_total_looping(L, S, n_kv, d_k, dtype):
    layers = 0
    while layers < L:  # one symbolic decision per layer: past the depth cap
        layers += 1
    return layers * S * 2 * n_kv * d_k * BPE[dtype]


def _scope(impl) -> Scope:
    return Scope({}, {"total_kv_memory": TOTAL,
                      "kv_total": ImplFn("kv_total", ("L", "S", "n_kv", "d_k", "dtype"), impl, "int",
                                         f"tests:{impl.__name__}")})


def _check(text, *, kind="harness", variables=None, examples=(), **extra) -> Check:
    return Check(id="KANI-T", kind=kind, contract_id="test", contract_path="contracts/test.yaml", pos=POS,
                 engine="z3", expr=parse_expr(text), expr_text=text, variables=variables or DOMAINS,
                 examples=tuple(examples), **extra)


# -- A: branches are explored ----------------------------------------------------
def test_a_validating_implementation_passes_the_64_bit_overflow_harness():
    check = _check(OVERFLOW_TEXT, bound=10_000_000, strategy="bounded_int", width=64)
    result = run_harness(check, _scope(kv_total_validating))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode.startswith("symbolic-trace")


def test_a_validating_implementation_is_proved_to_conform():
    check = _check(CONFORM_TEXT, kind="conformance", symbol="kv_total", equation="total_kv_memory")
    result = run_conformance_z3(check, _scope(kv_total_validating))
    assert result.verdict is Verdict.PROVED, result.detail


def test_a_reachable_raising_path_is_an_error_with_a_replayed_witness():
    for run in (lambda c, s: run_harness(c, s), lambda c, s: run_conformance_z3(c, s)):
        check = _check(CONFORM_TEXT, kind="conformance", bound=4, strategy="bounded_int", symbol="kv_total",
                       equation="total_kv_memory")
        result = run(check, _scope(kv_total_too_strict))
        assert result.verdict is Verdict.ERROR, result.detail
        assert "S must be >= 2" in result.detail
        assert result.counterexample is not None and result.counterexample.inputs["S"] == 1
        assert result.error and "ValueError" in result.error  # the implementation's own traceback


def test_an_implementation_with_too_many_paths_falls_back_to_enumeration():
    check = _check(CONFORM_TEXT, bound=4, strategy="bounded_int")
    result = run_harness(check, _scope(kv_total_looping))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode.startswith("exhaustive") and "symbolic decisions" in result.detail


# -- B: the trace must be the path taken concretely --------------------------------
def test_an_isinstance_guard_takes_the_concrete_branch_under_tracing():
    check = _check(CONFORM_TEXT, kind="conformance", symbol="kv_total", equation="total_kv_memory")
    result = run_conformance_z3(check, _scope(kv_total_guarded_needle))
    assert result.verdict is Verdict.FALSIFIED, result.detail
    assert result.counterexample.inputs["S"] % 1_000_003 == 350 * 353 and result.counterexample.replayed


def test_code_that_sniffs_types_is_caught_by_the_concrete_replay():
    check = _check(CONFORM_TEXT, kind="conformance", symbol="kv_total", equation="total_kv_memory")
    result = run_conformance_z3(check, _scope(kv_total_type_sniffing))
    assert result.verdict is Verdict.FALSIFIED, result.detail
    assert "behaves differently under tracing" in result.detail and result.counterexample.replayed


# -- C: floats are not reals; examples run first -------------------------------------
FLOAT = {"z": Domain("float", POS, min=parse_expr("0.5"), max=parse_expr("1.0"))}


def test_float_arithmetic_proved_over_the_reals_is_falsified_on_floats():
    check = _check("z + 0.1 - 0.1 == z", kind="proof", variables=FLOAT)
    result = run_proof(check, Scope({}, {}), options=FEW)
    assert result.verdict is Verdict.FALSIFIED, result.detail
    assert result.counterexample.replayed


def test_a_true_float_law_is_not_falsified_but_never_proved():
    check = _check("z * 2.0 >= z", kind="proof", variables=FLOAT)
    result = run_proof(check, Scope({}, {}), options=FEW)
    assert result.verdict is Verdict.NOT_FALSIFIED, result.detail
    assert "proved over the reals" in result.detail and result.examples >= 1


def test_float_comparisons_alone_are_still_proved():
    check = _check("z <= 1.0", kind="proof", variables=FLOAT)
    assert run_proof(check, Scope({}, {}), options=FEW).verdict is Verdict.PROVED


def test_a_failing_explicit_example_falsifies_a_proof_before_any_solver_call():
    example = Example({"z": 0.9438436800900969}, SourcePos("contracts/test.yaml", 30, 16))
    check = _check("z + 0.1 - 0.1 == z", kind="proof", variables=FLOAT, examples=[example])
    result = run_proof(check, Scope({}, {}), options=FEW)
    assert result.verdict is Verdict.FALSIFIED and "example at contracts/test.yaml:30:16" in result.detail


def test_a_failing_explicit_example_falsifies_a_harness():
    example = Example({"L": 1, "S": 5, "n_kv": 1, "d_k": 1, "dtype": "f16"}, POS)
    check = _check("kv_total(L, S, n_kv, d_k, dtype) < 10", bound=4, strategy="bounded_int", examples=[example])
    result = run_harness(check, _scope(kv_total_validating))
    assert result.verdict is Verdict.FALSIFIED and "example" in result.detail, result.detail


def kv_total_int_only(L, S, n_kv, d_k, dtype):
    if not isinstance(S, int):  # true of no real input, but of every tracer
        raise ValueError("S must be an int")
    return L * S * 2 * n_kv * d_k * BPE[dtype]


def test_a_raise_only_the_tracer_triggers_falls_back_instead_of_an_error():
    check = _check(CONFORM_TEXT, bound=4, strategy="bounded_int")
    result = run_harness(check, _scope(kv_total_int_only))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode.startswith("exhaustive") and "under tracing" in result.detail


def cache_size(L, S, n_kv, d_k, dtype):
    for name, value in (("L", L), ("S", S), ("n_kv", n_kv), ("d_k", d_k)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{name} must be an int, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    return L * S * 2 * n_kv * d_k * BPE[dtype]


def test_raises_is_traced_on_every_path():
    domains = {**DOMAINS, "bad": _int(-4, 0)}
    text = ("not raises(kv_total(L, S, n_kv, d_k, dtype), 'ValueError') and "
            "raises(kv_total(L, bad, n_kv, d_k, dtype), 'ValueError') and "
            "not raises(kv_total(bad, S, n_kv, d_k, dtype), 'KeyError')")
    check = _check(text, variables=domains, bound=4, strategy="bounded_int")
    result = run_harness(check, _scope(cache_size))
    assert result.verdict is Verdict.VERIFIED_BOUNDED and result.mode.startswith("symbolic-trace"), result.detail
    wrong = _check("raises(kv_total(L, S, n_kv, d_k, dtype), 'ValueError')", bound=4, strategy="bounded_int")
    refuted = run_harness(wrong, _scope(cache_size))
    assert refuted.verdict is Verdict.FALSIFIED and refuted.counterexample.replayed, refuted.detail


def g_small_n_only(n, x):
    return x * 0.5 * (5 - n)  # >= 0 exactly when n <= 5


def test_the_float_attack_of_a_harness_stays_within_the_harness_bound():
    variables = {"n": _int(1, 100), "x": Domain("float", POS, min=parse_expr("0.0"), max=parse_expr("1.0"))}
    scope = Scope({}, {"g": ImplFn("g", ("n", "x"), g_small_n_only, "float", "tests:g_small_n_only")})
    check = _check("g(n, x) >= 0.0", variables=variables, bound=4, strategy="bounded_int")
    result = run_harness(check, scope, options=FEW)
    # n = 6 breaks the property, but it is outside the bound of 4: not a counterexample of this harness.
    assert result.verdict is Verdict.NOT_FALSIFIED, result.detail
    wider = run_harness(_check("g(n, x) >= 0.0", variables=variables, bound=8, strategy="bounded_int"), scope,
                        options=FEW)
    assert wider.verdict is Verdict.FALSIFIED and wider.counterexample.inputs["n"] > 5
