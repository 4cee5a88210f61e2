"""Bounded harnesses and conformance against real implementations: trace, fallback, replay, errors."""
from __future__ import annotations

from dataclasses import replace

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.engines.bounded import run_conformance_z3, run_harness
from kvcontract.engines.options import RunOptions
from kvcontract.expr.concrete import evaluate
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn, Scope
from kvcontract.plan.model import Check
from kvcontract.verdicts.model import Verdict

POS = SourcePos("contracts/test.yaml", 1, 1)
SIZES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}


def _int(lo, hi) -> Domain:
    return Domain("int", POS, min=parse_expr(str(lo)), max=parse_expr(str(hi)))


DOMAINS = {"n_kv": _int(1, 1024), "d_k": _int(1, 1024), "L": _int(1, 1024), "S": _int(1, 10_000_000),
           "dtype": Domain("enum", POS, values=tuple(SIZES))}
SPEC = {
    "spec__per_token_per_layer": EquationFn("spec__per_token_per_layer", ("n_kv", "d_k", "dtype"),
                                            parse_expr("2 * n_kv * d_k * sizeof(dtype)"), "per_token_per_layer"),
    "total_kv_memory": EquationFn("total_kv_memory", ("L", "S", "n_kv", "d_k", "dtype"),
                                  parse_expr("L * S * 2 * n_kv * d_k * sizeof(dtype)"), "total_kv_memory"),
}


def traceable_kv_bytes(n_kv, d_k, dtype):
    return 2 * n_kv * d_k * SIZES[dtype]


def branching_kv_bytes(n_kv, d_k, dtype):
    if n_kv <= 0 or d_k <= 0:
        raise ValueError("non-positive shape")
    return 2 * n_kv * d_k * SIZES[dtype]


def off_by_one_kv_bytes(n_kv, d_k, dtype):
    return 2 * n_kv * d_k * SIZES[dtype] + (1 if n_kv == 3 and dtype == "f32" else 0)


def crashing_kv_bytes(n_kv, d_k, dtype):
    if d_k == 2:
        raise RuntimeError("boom in the implementation")
    return 2 * n_kv * d_k * SIZES[dtype]


def _scope(impl) -> Scope:
    return Scope({}, {**SPEC, "kv_bytes": ImplFn("kv_bytes", ("n_kv", "d_k", "dtype"), impl, "int",
                                                 f"tests:{impl.__name__}")})


HARNESS_TEXT = "kv_bytes(n_kv, d_k, dtype) == 2 * n_kv * d_k * sizeof(dtype) and kv_bytes(n_kv, d_k, dtype) > 0"


def _harness(text=HARNESS_TEXT, *, bound=4, strategy="bounded_int", kind="harness", **extra) -> Check:
    return Check(id="KANI-T", kind=kind, contract_id="test", contract_path="contracts/test.yaml", pos=POS,
                 engine="z3", expr=parse_expr(text), expr_text=text, variables=DOMAINS, bound=bound,
                 strategy=strategy, **extra)


def test_a_traceable_implementation_is_verified_symbolically():
    result = run_harness(_harness(), _scope(traceable_kv_bytes))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode == "symbolic-trace bound=4 (6 dtype cases)"
    assert result.bound == 4


def concrete_only_kv_bytes(n_kv, d_k, dtype):
    return sum(2 * d_k * SIZES[dtype] for _ in range(n_kv))  # range() needs a concrete n_kv


def test_a_branching_implementation_is_traced_path_by_path():
    # Validation (`if n_kv <= 0 ...: raise`) is explored, not a reason to give up on the trace.
    result = run_harness(_harness(), _scope(branching_kv_bytes))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode == "symbolic-trace bound=4 (6 dtype cases)"


def test_an_untraceable_implementation_falls_back_to_exhaustive_enumeration():
    result = run_harness(_harness(), _scope(concrete_only_kv_bytes))
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail
    assert result.mode == "exhaustive 96 cases" and result.cases == 96  # n_kv, d_k in 1..4, 6 dtypes
    assert "needs a concrete value" in result.detail


def test_a_wrong_implementation_is_falsified_and_replayed_in_both_modes():
    for strategy in ("bounded_int", "exhaustive"):
        result = run_harness(_harness(strategy=strategy), _scope(off_by_one_kv_bytes))
        assert result.verdict is Verdict.FALSIFIED, (strategy, result.detail)
        cex = result.counterexample
        assert cex.replayed and cex.inputs["n_kv"] == 3 and cex.inputs["dtype"] == "f32"


def test_an_implementation_exception_is_an_error_with_its_traceback():
    result = run_harness(_harness(strategy="exhaustive"), _scope(crashing_kv_bytes))
    assert result.verdict is Verdict.ERROR
    assert "boom in the implementation" in result.error and "crashing_kv_bytes" in result.error
    assert result.counterexample.inputs["d_k"] == 2


def test_too_many_cases_is_inconclusive_never_a_pass():
    result = run_harness(_harness(bound=1000, strategy="exhaustive"), _scope(traceable_kv_bytes), max_cases=1000)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "more than 1000 cases" in result.detail


def test_overflow_harness_traces_the_implementation_at_64_bits_and_fails_at_32():
    def kv_total(L, S, n_kv, d_k, dtype):
        return L * S * 2 * n_kv * d_k * SIZES[dtype]

    scope = Scope({}, {**SPEC, "kv_total": ImplFn("kv_total", ("L", "S", "n_kv", "d_k", "dtype"), kv_total)})
    text = "kv_total(L, S, n_kv, d_k, dtype) == total_kv_memory(L, S, n_kv, d_k, dtype)"
    wide = run_harness(_harness(text, bound=10_000_000, width=64, signed=False), scope)
    assert wide.verdict is Verdict.VERIFIED_BOUNDED, wide.detail
    narrow = run_harness(_harness(text, bound=10_000_000, width=32, signed=True), scope)
    assert narrow.verdict is Verdict.FALSIFIED and "overflows signed 32-bit" in narrow.detail
    total = evaluate(parse_expr("total_kv_memory"), scope.with_values(narrow.counterexample.inputs))
    assert total > 2 ** 31 - 1


def test_conformance_is_proved_for_the_whole_domain_when_traceable():
    text = "kv_bytes(n_kv, d_k, dtype) == spec__per_token_per_layer(n_kv, d_k, dtype)"
    check = _harness(text, bound=None, strategy=None, kind="conformance", symbol="kv_bytes",
                     equation="per_token_per_layer")
    proved = run_conformance_z3(check, _scope(traceable_kv_bytes))
    assert proved.verdict is Verdict.PROVED, proved.detail
    branching = run_conformance_z3(check, _scope(branching_kv_bytes))  # its raising paths are unreachable
    assert branching.verdict is Verdict.PROVED and branching.mode.startswith("symbolic-trace"), branching.detail
    bounded = run_conformance_z3(check, _scope(concrete_only_kv_bytes))
    assert bounded.verdict is Verdict.VERIFIED_BOUNDED and bounded.mode == "exhaustive 96 cases"
    wrong = run_conformance_z3(check, _scope(off_by_one_kv_bytes))
    assert wrong.verdict is Verdict.FALSIFIED and wrong.counterexample.replayed


def test_stub_float_traces_float_code_but_a_real_proof_is_not_a_float_proof():
    domains = {"x": Domain("float", POS, min=parse_expr("0.0"), max=parse_expr("10.0"))}
    scope = Scope({}, {"halve": ImplFn("halve", ("x",), lambda x: x * 0.5 - 0.0, "float")})
    check = Check(id="KANI-F", kind="harness", contract_id="test", contract_path="contracts/test.yaml", pos=POS,
                  engine="z3", expr=parse_expr("halve(x) <= x"), expr_text="halve(x) <= x", variables=domains,
                  bound=4, strategy="stub_float")
    result = run_harness(check, scope, options=RunOptions(max_examples=50))
    # Exact over the reals, then attacked on concrete floats: NOT_FALSIFIED at best, never proved.
    assert result.verdict is Verdict.NOT_FALSIFIED and result.mode.startswith("symbolic-trace"), result.detail
    assert "proved over the reals" in result.detail and result.examples >= 1
    wrong = run_harness(replace(check, expr=parse_expr("halve(x) < x"), expr_text="halve(x) < x"), scope)
    assert wrong.verdict is Verdict.FALSIFIED and wrong.counterexample.inputs["x"] == 0.0
