"""The Hypothesis engine: verdicts, counterexamples, and every fail-closed case."""
from __future__ import annotations

import pytest
import yaml

from kvcontract.engines.falsify import run_falsification
from kvcontract.engines.options import RunOptions
from kvcontract.verdicts.model import GateResult, Verdict

from run.kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace, prepare

OPTIONS = RunOptions(max_examples=100, seed=7)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    return Workspace(tmp_path, monkeypatch)


def sizing(ws, impl_source: str = SIZING_IMPL, contract: str = SIZING_CONTRACT, **targets):
    mod = ws.module(impl_source)
    symbols = {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"}
    symbols.update({k: f"{mod}:{v}" for k, v in targets.items()})
    binding = ws.binding({"c1": symbols})
    return prepare(ws.contract("c1", contract), [binding])


def test_a_correct_implementation_is_not_falsified(ws):
    _, checks, scope = sizing(ws)
    result = run_falsification(checks["FALSIFY-MON-001"], scope, OPTIONS)
    assert result.verdict is Verdict.NOT_FALSIFIED
    assert result.examples == 100 and result.cases >= 100  # S1 < S2 held in 100 cases
    assert result.seed == 7 and result.min_examples == 20 and result.is_evidence  # the gate's min_examples
    conform = run_falsification(checks["CONFORM:per_token"], scope, OPTIONS)
    assert conform.verdict in (Verdict.NOT_FALSIFIED, Verdict.PROVED, Verdict.VERIFIED_BOUNDED)
    assert conform.is_evidence


MUTANT = SIZING_IMPL + """
def kv_total_capped(S, n_kv, d_k, dtype):
    return min(S, 4096) * kv_bytes(n_kv, d_k, dtype)
"""


def test_a_mutant_is_falsified_with_a_shrunk_replayed_counterexample(ws):
    _, checks, scope = sizing(ws, MUTANT, kv_total="kv_total_capped")
    result = run_falsification(checks["FALSIFY-MON-001"], scope, OPTIONS)
    assert result.verdict is Verdict.FALSIFIED
    cex = result.counterexample
    assert cex.replayed
    assert cex.inputs["S2"] > 4096 and cex.inputs["S1"] >= 4096  # both past the cap: kv_total equal
    assert cex.inputs["S1"] < cex.inputs["S2"]
    assert ("S1 < S2", "True") in cex.explanation
    assert cex.explanation[-1] == ("S1 < S2 => kv_total(S=S1) < kv_total(S=S2)", "False")
    pasted = yaml.safe_load(cex.yaml_example)
    assert pasted[0]["S1"] == cex.inputs["S1"] and pasted[0]["S2"] == cex.inputs["S2"]
    assert "--only FALSIFY-MON-001" in cex.reproduce and "--seed 7" in cex.reproduce
    gate = GateResult.decide("c1", "G", "gate", [result])
    assert not gate.passed


def test_the_same_seed_gives_the_same_counterexample(ws):
    _, checks, scope = sizing(ws, MUTANT, kv_total="kv_total_capped")
    first = run_falsification(checks["CONFORM:total"], scope, OPTIONS)
    second = run_falsification(checks["CONFORM:total"], scope, OPTIONS)
    assert first.verdict is Verdict.FALSIFIED
    assert first.counterexample.inputs == second.counterexample.inputs


def test_conformance_counterexample_shows_implementation_against_formula(ws):
    _, checks, scope = sizing(ws, MUTANT, kv_total="kv_total_capped")
    result = run_falsification(checks["CONFORM:total"], scope, OPTIONS)
    cex = result.counterexample
    inputs = cex.inputs
    spec = inputs["S"] * 2 * inputs["n_kv"] * inputs["d_k"] * {"f16": 2, "bf16": 2, "f32": 4}[inputs["dtype"]]
    assert cex.expected == repr(spec)
    assert cex.actual != cex.expected
    assert yaml.safe_load(cex.yaml_example)[0]["expect"] == spec


def test_explicit_examples_run_first_and_their_expect_is_checked(ws):
    wrong = SIZING_IMPL.replace("return 2 * n_kv * d_k * SIZES[dtype]",
                                "return 2 * n_kv * d_k * SIZES[dtype] + (1 if d_k == 64 else 0)")
    _, checks, scope = sizing(ws, wrong)
    result = run_falsification(checks["CONFORM:per_token"], scope, OPTIONS)
    assert result.verdict is Verdict.FALSIFIED
    assert "example at" in result.detail and "c1.yaml:" in result.detail
    assert result.counterexample.inputs == {"n_kv": 2, "d_k": 64, "dtype": "f16"}


UNEXPECTED_RAISE = SIZING_IMPL + """
def kv_total_raises(S, n_kv, d_k, dtype):
    if S > 1000:
        raise RuntimeError("internal buffer overflow")
    return S * kv_bytes(n_kv, d_k, dtype)
"""


def test_an_implementation_that_raises_is_an_error_with_its_own_traceback(ws):
    _, checks, scope = sizing(ws, UNEXPECTED_RAISE, kv_total="kv_total_raises")
    result = run_falsification(checks["FALSIFY-MON-001"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "RuntimeError" in result.detail and "internal buffer overflow" in result.detail
    assert "kv_total_raises" in result.error and "raise RuntimeError" in result.error
    assert "kvcontract/expr" not in result.error and "falsify.py" not in result.error
    assert result.counterexample is not None and result.counterexample.inputs["S2"] > 1000
    assert not result.is_evidence


WRONG_TYPE = SIZING_IMPL + """
def kv_bytes_float(n_kv, d_k, dtype):
    return float(kv_bytes(n_kv, d_k, dtype))
"""


def test_a_wrong_return_type_is_an_error(ws):
    _, checks, scope = sizing(ws, WRONG_TYPE, kv_bytes="kv_bytes_float")
    result = run_falsification(checks["CONFORM:per_token"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "declared to return int" in result.detail and "float" in result.detail


CONTRADICTION = SIZING_CONTRACT + """
  - id: FALSIFY-VAC-001
    rule: "contradictory premises"
    obligation: KV-MON-001
    assume: ["S > 5000", "S < 10"]
    check: "kv_total(S, n_kv, d_k, dtype) > 0"
  - id: FALSIFY-VAC-002
    rule: "contradictory premises over a small domain"
    obligation: KV-MON-001
    check: "dtype == 'f64' => kv_bytes(n_kv, d_k, dtype) > 0"
    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 4}}
"""


def test_premises_that_never_hold_are_vacuous(ws):
    _, checks, scope = sizing(ws, contract=CONTRADICTION)
    hypothesis_run = run_falsification(checks["FALSIFY-VAC-001"], scope, OPTIONS)
    assert hypothesis_run.verdict is Verdict.VACUOUS and not hypothesis_run.is_evidence
    exhaustive = run_falsification(checks["FALSIFY-VAC-002"], scope, OPTIONS)
    assert exhaustive.verdict is Verdict.VACUOUS and "exhaustive" in exhaustive.mode


EMPTY = SIZING_CONTRACT.replace("  S: {type: int, min: 1, max: 10000000}",
                                "  S: {type: int, min: 1, max: 10000000}\n  K: {type: int, min: S, max: 0}") + """
  - id: FALSIFY-EMPTY-001
    rule: "nothing to draw"
    obligation: KV-MON-001
    check: "K >= 0"
"""


def test_a_domain_that_can_generate_nothing_is_an_error(ws):
    _, checks, scope = sizing(ws, contract=EMPTY)
    result = run_falsification(checks["FALSIFY-EMPTY-001"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "empty int domain" in result.detail


SMALL = SIZING_CONTRACT + """
  - id: FALSIFY-SMALL-001
    rule: "small finite domain"
    obligation: KV-MON-001
    check: "kv_bytes(n_kv, d_k, dtype) >= 2 * n_kv * d_k"
    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 8}}
  - id: FALSIFY-DIV-001
    rule: "division by zero in the check itself"
    obligation: KV-MON-001
    check: "kv_bytes(n_kv, d_k, dtype) // (n_kv - 1) >= 0"
    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 8}}
  - id: FALSIFY-RAISES-001
    rule: "a deliberate raise is part of the property"
    obligation: KV-MON-001
    check: "raises(kv_bytes(n_kv, d_k, 'f16'), 'KeyError') or kv_bytes(n_kv, d_k, dtype) > 0"
    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 8}}
  - id: FALSIFY-MIN-001
    rule: "declares more examples than the run gives"
    obligation: KV-MON-001
    min_examples: 5000
"""


def test_a_small_finite_domain_is_checked_exhaustively(ws):
    _, checks, scope = sizing(ws, contract=SMALL)
    result = run_falsification(checks["FALSIFY-SMALL-001"], scope, OPTIONS)
    assert result.verdict is Verdict.VERIFIED_BOUNDED
    assert result.cases == 4 * 8 * 3 and result.examples == 96


def test_an_evaluation_error_in_the_check_is_an_error(ws):
    _, checks, scope = sizing(ws, contract=SMALL)
    result = run_falsification(checks["FALSIFY-DIV-001"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "division by zero" in result.detail and result.counterexample.inputs["n_kv"] == 1
    assert result.counterexample.replayed  # the same error again on a second evaluation


def test_raises_inside_the_property_is_not_an_error(ws):
    _, checks, scope = sizing(ws, contract=SMALL)
    result = run_falsification(checks["FALSIFY-RAISES-001"], scope, OPTIONS)
    assert result.verdict is Verdict.VERIFIED_BOUNDED


def test_fewer_examples_than_the_minimum_are_not_evidence(ws):
    _, checks, scope = sizing(ws, contract=SMALL)
    result = run_falsification(checks["FALSIFY-MIN-001"], scope, OPTIONS)
    assert result.verdict is Verdict.NOT_FALSIFIED and result.examples == 100
    assert result.min_examples == 5000 and not result.is_evidence
    assert "fewer than the required 5000" in result.detail
    assert not GateResult.decide("c1", "G", "gate", [result]).passed


def test_a_registered_hypothesis_profile_replaces_the_defaults(ws):
    from hypothesis import settings

    settings.register_profile("kvcontract-test-tiny", max_examples=10, deadline=None)
    _, checks, scope = sizing(ws)
    result = run_falsification(checks["FALSIFY-MON-001"], scope,
                               RunOptions(hypothesis_profile="kvcontract-test-tiny", seed=1))
    assert result.verdict is Verdict.NOT_FALSIFIED and result.examples == 10
    # A profile changes how many examples run, never the contract's floor (the gate's min_examples: 20).
    assert result.min_examples == 20 and not result.is_evidence


MAGIC = SIZING_IMPL + """
def kv_total_magic(S, n_kv, d_k, dtype):
    if S == 73519:  # a bug at one exact size: found through the implementation's own constants
        return 0
    return S * kv_bytes(n_kv, d_k, dtype)
"""


def test_inputs_do_not_depend_on_what_else_is_imported(ws):
    _, checks, scope = sizing(ws, MAGIC, kv_total="kv_total_magic")
    first = run_falsification(checks["CONFORM:total"], scope, RunOptions(max_examples=300, seed=2))
    assert first.verdict is Verdict.FALSIFIED and first.counterexample.inputs["S"] == 73519
    noise = ws.module("A, B, C = 4099, 65537, 8191\nNAMES = ['f32', 'x', 'weird']\n", prefix="noise")
    __import__(noise)
    again = run_falsification(checks["CONFORM:total"], scope, RunOptions(max_examples=300, seed=2))
    assert again.counterexample.inputs == first.counterexample.inputs
    assert again.cases == first.cases


def test_an_exhaustive_check_is_evidence_whatever_its_example_minimum(ws):
    # 4 * 8 * 3 = 96 inputs is the whole domain: far fewer than min_examples, and still a bounded proof.
    contract = SMALL.replace('''    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 8}}
  - id: FALSIFY-DIV-001''', '''    given: {n_kv: {type: int, min: 1, max: 4}, d_k: {type: int, min: 1, max: 8}}
    min_examples: 5000
  - id: FALSIFY-DIV-001''')
    _, checks, scope = sizing(ws, contract=contract)
    result = run_falsification(checks["FALSIFY-SMALL-001"], scope, OPTIONS)
    assert result.verdict is Verdict.VERIFIED_BOUNDED and result.cases == 96 and result.examples == 96
    assert result.is_evidence and GateResult.decide("c1", "G", "gate", [result]).passed
    from kvcontract.report.text import count_label

    assert count_label(result) == "96 cases, 96 met the premise"


def test_a_conformance_proved_by_z3_runs_fewer_examples_and_a_sampled_one_all(ws):
    from kvcontract.engines.falsify import PROVED_CONFIRM_EXAMPLES

    _, checks, scope = sizing(ws)
    many = RunOptions(max_examples=300, seed=7)
    proved = run_falsification(checks["CONFORM:total"], scope, many)
    assert proved.verdict is Verdict.PROVED and proved.is_evidence
    assert proved.examples == PROVED_CONFIRM_EXAMPLES < 300
    assert "Z3 proved the whole declared domain" in proved.detail
    # A falsification test gets every example it asks for, whatever Z3 could prove about it.
    sampled = run_falsification(checks["FALSIFY-MON-001"], scope, many)
    assert sampled.verdict is Verdict.NOT_FALSIFIED and sampled.examples == 300
    # A wrong total is still caught, by Z3 or Hypothesis, with a replayed counterexample.
    _, checks, scope = sizing(ws, MUTANT, kv_total="kv_total_capped")
    caught = run_falsification(checks["CONFORM:total"], scope, many)
    assert caught.verdict is Verdict.FALSIFIED and caught.counterexample.replayed
