"""Z3 proofs on the specification: PROVED, VACUOUS, INCONCLUSIVE, FALSIFIED (replayed), witnesses."""
from __future__ import annotations

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.expr.concrete import evaluate
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, Scope
from kvcontract.engines.prove import run_proof
from kvcontract.plan.model import Check
from kvcontract.verdicts.model import Verdict

POS = SourcePos("contracts/test.yaml", 1, 1)
DTYPES = ("f16", "bf16", "f32", "f64", "int8", "fp8")


def _int(lo, hi) -> Domain:
    return Domain("int", POS, min=parse_expr(str(lo)), max=parse_expr(str(hi)))


KV_DOMAINS = {
    "n_kv": _int(1, 1024), "d_k": _int(1, 1024), "L": _int(1, 1024), "S": _int(1, 10_000_000),
    "dtype": Domain("enum", POS, values=DTYPES), "S1": _int(1, 10_000_000), "S2": _int(1, 10_000_000),
}
KV_SCOPE = Scope({}, {
    "kv_bytes": EquationFn("kv_bytes", ("n_kv", "d_k", "dtype"), parse_expr("2 * n_kv * d_k * sizeof(dtype)"),
                           "per_token_per_layer"),
    "kv_total": EquationFn("kv_total", ("L", "S", "n_kv", "d_k", "dtype"),
                           parse_expr("L * S * 2 * n_kv * d_k * sizeof(dtype)"), "total_kv_memory"),
})


def _check(text: str, variables=None, *, assume=(), **settings) -> Check:
    return Check(id="PROVE:T", kind="proof", contract_id="test", contract_path="contracts/test.yaml", pos=POS,
                 engine="z3", expr=parse_expr(text), expr_text=text, variables=variables or KV_DOMAINS,
                 assume=tuple(parse_expr(a) for a in assume), **settings)


def test_monotonicity_of_kv_total_is_proved():
    result = run_proof(_check("S1 < S2 => kv_total(S=S1) < kv_total(S=S2)"), KV_SCOPE, timeout_ms=20_000)
    assert result.verdict is Verdict.PROVED, result.detail
    assert result.mode == "unbounded" and result.engine == "z3"


def test_contradictory_premises_are_vacuous_not_proved():
    result = run_proof(_check("S1 < S2 => kv_total(S=S1) < kv_total(S=S2)", assume=["S1 > S2"]), KV_SCOPE)
    assert result.verdict is Verdict.VACUOUS
    assert "S1 > S2" in result.detail and "S1 < S2" in result.detail


def test_a_wrong_law_is_falsified_with_a_replayed_counterexample():
    check = _check("kv_total(S=S1) <= kv_total(S=S2)")
    result = run_proof(check, KV_SCOPE)
    assert result.verdict is Verdict.FALSIFIED
    cex = result.counterexample
    assert cex is not None and cex.replayed
    inputs = cex.inputs
    assert inputs["S1"] > inputs["S2"] and inputs["dtype"] in DTYPES
    assert evaluate(check.expr, KV_SCOPE.with_values(inputs)) is False
    assert cex.yaml_example.startswith("- {") and cex.explanation


def test_division_by_zero_is_a_counterexample_unless_excluded():
    small = {"a": _int(-5, 5), "b": _int(-5, 5)}
    result = run_proof(_check("a // b * b + a % b == a", small), Scope())
    assert result.verdict is Verdict.FALSIFIED
    assert "division by zero" in result.detail
    assert result.counterexample.inputs["b"] == 0 and result.counterexample.replayed
    guarded = run_proof(_check("b != 0 => a // b * b + a % b == a", small), Scope())
    assert guarded.verdict is Verdict.PROVED, guarded.detail


def test_a_hard_nonlinear_problem_with_a_tiny_timeout_is_inconclusive():
    cubes = {name: _int(1, 10 ** 6) for name in ("x", "y", "z")}
    result = run_proof(_check("x * x * x + y * y * y != z * z * z", cubes), Scope(), timeout_ms=1)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "timeout" in result.detail


def test_kv_total_fits_unsigned_64_bits_over_the_whole_domain():
    check = _check("kv_total > 0", width=64, signed=False)
    result = run_proof(check, KV_SCOPE)
    assert result.verdict is Verdict.PROVED, result.detail
    assert "64-bit overflow" in result.mode


def test_kv_total_overflows_signed_32_bits_and_the_smallest_witness_is_reported():
    check = _check("kv_total > 0", width=32, signed=True, minimize=parse_expr("kv_total"))
    result = run_proof(check, KV_SCOPE, timeout_ms=30_000)
    assert result.verdict is Verdict.FALSIFIED, result.detail
    assert "overflows signed 32-bit" in result.detail and result.counterexample.replayed
    total = evaluate(parse_expr("kv_total"), KV_SCOPE.with_values(result.counterexample.inputs))
    assert total == 2 ** 31  # the first value past INT32_MAX that the product can take


def test_exists_with_minimize_finds_the_smallest_overflowing_context():
    check = _check("kv_total > 2147483647", assume=["L == 32", "n_kv == 8", "d_k == 128", "dtype == 'f16'"],
                   quantifier="exists", minimize=parse_expr("S"))
    result = run_proof(check, KV_SCOPE)
    assert result.verdict is Verdict.PROVED, result.detail
    witness = result.counterexample
    assert witness.inputs["S"] == 16_384 and witness.replayed and "minimal" in witness.message
    assert "S=16384" in result.detail


def test_exists_without_a_witness_is_falsified():
    result = run_proof(_check("kv_total > 10 ** 30", quantifier="exists"), KV_SCOPE)
    assert result.verdict is Verdict.FALSIFIED


def test_append_is_proved_for_every_length_with_arrays():
    domains = {
        "xs": Domain("list", POS, element=Domain("float", POS, min=parse_expr("-1.0"), max=parse_expr("1.0")),
                     min_len=0, max_len=10_000),
        "v": Domain("float", POS, min=parse_expr("-1.0"), max=parse_expr("1.0")),
    }
    for text in ("append(xs, v)[len(xs)] == v", "append(xs, v)[-1] == v",
                 "len(append(xs, v)) == len(xs) + 1", "append(xs, v)[:len(xs)] == xs"):
        result = run_proof(_check(text, domains), Scope())
        assert result.verdict is Verdict.PROVED, (text, result.detail)
    wrong = run_proof(_check("append(xs, v)[0] == v", domains), Scope())
    assert wrong.verdict is Verdict.FALSIFIED and wrong.counterexample.replayed


def test_an_irrational_model_that_does_not_replay_is_an_error_not_a_pass():
    reals = {"x": Domain("float", POS, min=parse_expr("0.0"), max=parse_expr("2.0"))}
    result = run_proof(_check("x * x != 2.0", reals), Scope())
    # Z3's counterexample is x = sqrt(2): no float squares to exactly 2, so the replay cannot confirm it.
    assert result.verdict is Verdict.ERROR
    assert "does not confirm" in result.detail and not result.counterexample.replayed
    assert abs(result.counterexample.inputs["x"] - 2 ** 0.5) < 1e-9
