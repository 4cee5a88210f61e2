"""The shipped contracts (contracts/*.yaml): they load clean, say what the seeds say,
and hold against the reference implementation end to end.

Full-size gate runs (1000 examples per check) belong to CI's `kvcontract check`;
here every contract runs at 50 examples, where each gate must fail for one reason
only — too few examples — and every check must otherwise be evidence. One cheap
contract runs at full size to show a gate really passes, and a few bugs the
contracts exist to catch are bound and must be caught.
"""
from __future__ import annotations

import os
import re

import pytest

from kvcontract.cli import main as cli_main
from kvcontract.contract.repository import load_set
from kvcontract.contract.validate import validate
from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
from kvcontract.verdicts.model import EVIDENCE, Verdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRACTS = os.path.join(ROOT, "contracts")
BINDING = os.path.join(ROOT, "harnesses", "reference.yaml")
SCHEMA_LINE = "# yaml-language-server: $schema=../kvcontract/contract/schema.json"

SHIPPED = (
    "kv-cache-sizing-v1",
    "model-config-algebra-v1",
    "kv-cache-semantics-v1",
    "kv-cache-allocation-v1",
    "kv-cache-append-v1",
    "kv-cache-equivalence-v1",
    "kv-cache-precision-v1",
)
SMALL = 50


def _path(contract_id: str) -> str:
    return os.path.join(CONTRACTS, f"{contract_id}.yaml")


def _options(**extra) -> RunOptions:
    return RunOptions(binding_files=(BINDING,), jobs=1, seed=0, timeout_s=300, **extra)


@pytest.fixture(scope="module")
def contract_set():
    loaded = load_set([CONTRACTS])
    assert not [d for d in loaded.diagnostics if d.severity == "error"], loaded.diagnostics
    return loaded


@pytest.fixture(scope="module")
def small_run():
    """Every shipped contract against the reference, 50 examples per check (one run, shared)."""
    return check_paths([CONTRACTS], options=_options(max_examples=SMALL))


def _run_of(result, contract_id):
    matches = [c for c in result.contracts if c.contract == contract_id]
    assert len(matches) == 1, [c.contract for c in result.contracts]
    return matches[0]


# ---- loading and validation --------------------------------------------------------------

def test_the_seven_contracts_are_shipped():
    on_disk = sorted(f[:-5] for f in os.listdir(CONTRACTS) if f.endswith(".yaml"))
    assert on_disk == sorted(SHIPPED)


def test_validate_command_exits_zero_without_a_single_finding(capsys):
    assert cli_main(["validate", CONTRACTS]) == 0
    out = capsys.readouterr()
    assert "0 error(s), 0 warning(s)" in out.out + out.err


def test_validator_reports_nothing_for_the_loaded_set(contract_set):
    findings = list(contract_set.diagnostics) + validate(list(contract_set.contracts.values()))
    assert findings == []


@pytest.mark.parametrize("contract_id", SHIPPED)
def test_first_line_points_editors_at_the_schema(contract_id):
    with open(_path(contract_id), encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n") == SCHEMA_LINE


@pytest.mark.parametrize("contract_id", SHIPPED)
def test_every_item_is_identified_and_executable(contract_set, contract_id):
    contract = contract_set.contracts[contract_id]
    assert contract.id == contract_id
    assert len(contract.metadata.notes.strip()) > 200  # design decisions and deviations are written down
    machine_obligations = {t.obligation for t in contract.falsification_tests if t.state_machine}
    obligation_ids = {ob.id for ob in contract.obligations}
    for ob in contract.obligations:
        assert ob.id, ob
        assert ob.check is not None or ob.id in machine_obligations, f"{ob.id} has nothing to execute"
    for test in contract.falsification_tests:
        assert test.obligation in obligation_ids, test.id
        assert test.rule and test.prediction and test.if_fails, test.id
    for harness in contract.harnesses:
        assert harness.obligation in obligation_ids, harness.id
        assert harness.bound >= 1 and harness.strategy
    assert contract.gate is not None and (contract.gate.min_examples or 0) >= 1000
    counts = re.findall(r"All (\d+) falsification tests", contract.gate.pass_criteria)
    assert counts == [str(len(contract.falsification_tests))]


# ---- fidelity to the seeds -----------------------------------------------------------------

def test_sizing_keeps_the_seed_ids_texts_and_harness(contract_set):
    sizing = contract_set.contracts["kv-cache-sizing-v1"]
    tests = {t.id: t for t in sizing.falsification_tests}
    assert sorted(tests) == [f"FALSIFY-KV-00{i}" for i in range(1, 7)]
    assert tests["FALSIFY-KV-001"].if_fails == "Missing factor of 2 (K+V) or wrong bpe"
    assert tests["FALSIFY-KV-003"].prediction == "Only attention layers counted"
    assert tests["FALSIFY-KV-005"].if_fails == "Bias term leaking into zero-input result"
    (kani,) = [h for h in sizing.harnesses if h.id == "KANI-KV-001"]
    assert (kani.obligation, kani.bound, kani.strategy, kani.solver, kani.harness) == (
        "KV-INV-001", 4, "bounded_int", "cadical", "verify_kv_bytes_positive")
    assert {"KV-INV-001", "KV-MON-001", "KV-BND-001", "KV-INV-002", "KV-INV-003", "KV-EQV-001",
            "KV-OVF-001", "KV-OVF-002"} == {ob.id for ob in sizing.obligations}
    assert sizing.gate.id == "F-KV-001"
    assert "model-config-algebra-v1" in sizing.metadata.depends_on


def test_allocation_examples_are_the_formula_not_the_seed_figures(contract_set):
    allocation = contract_set.contracts["kv-cache-allocation-v1"]
    examples = allocation.equations["cache_size_formula"].examples
    for example in examples:
        i = example.inputs
        assert example.expect == 2 * i["L"] * i["T"] * i["n_kv"] * i["d_k"] * 2  # every example is f16
    expected = {e.expect for e in examples}
    assert {25_165_824, 536_870_912, 2_684_354_560} <= expected
    assert 2048 in expected  # the seed's "1 KB" edge case, recomputed at head_dim 64
    assert "1 KB" in allocation.metadata.notes and "2 KiB" in allocation.metadata.notes


def test_precision_marks_the_headline_figures_as_claims(contract_set):
    notes = contract_set.contracts["kv-cache-precision-v1"].metadata.notes
    assert "3.2x compression at 99.5% quality" in notes and "Claims, not obligations" in notes


# ---- end to end against the reference ----------------------------------------------------

@pytest.mark.parametrize("contract_id", SHIPPED)
def test_every_check_holds_for_the_reference(small_run, contract_id):
    run = _run_of(small_run, contract_id)
    assert run.checks, "no check ran"
    bad = {r.check_id: f"{r.verdict}: {r.detail}" for r in run.checks if r.verdict not in EVIDENCE}
    assert bad == {}
    assert all(r.counterexample is None or r.verdict is Verdict.PROVED for r in run.checks)


@pytest.mark.parametrize("contract_id", SHIPPED)
def test_at_a_small_budget_the_gate_fails_only_for_too_few_examples(small_run, contract_id):
    gate = _run_of(small_run, contract_id).gate
    # Each check short of examples, and each gate entry those checks were its only evidence for.
    assert all("fewer than the minimum" in reason or reason.startswith("gate check ") and
               reason.endswith("no planned check gave evidence for it") for reason in gate.reasons), gate.reasons
    assert all(r.is_evidence or r.examples <= SMALL for r in gate.checks)


def test_a_gate_passes_at_full_size():
    result = check_paths([_path("model-config-algebra-v1")], options=_options())
    run = _run_of(result, "model-config-algebra-v1")
    assert run.gate.passed, run.gate.reasons
    assert all(r.is_evidence for r in run.checks)


def test_llama3_8b_overflows_int32_at_16k_tokens(small_run):
    run = _run_of(small_run, "kv-cache-sizing-v1")
    (witness,) = [r for r in run.checks if r.check_id == "PROVE:KV-OVF-002"]
    assert witness.verdict is Verdict.PROVED
    assert witness.counterexample.inputs["S"] == 16384  # 32 layers × 131,072 B/token = 2^31 bytes


@pytest.mark.parametrize(("contract_id", "symbol", "mutant", "killer"), [
    ("kv-cache-sizing-v1", "kv_total", "harnesses.mutants.sizing:kv_total_off_by_one_token",
     "CONFORM:total_kv_memory"),
    ("kv-cache-sizing-v1", "kv_layers", "harnesses.mutants.sizing:kv_layers_substring", "FALSIFY-KV-003"),
    ("kv-cache-allocation-v1", "layer_key_offset",
     "harnesses.mutants.allocation:layer_key_offset_stride_without_v", "FALSIFY-ALLOC-004"),
    ("kv-cache-append-v1", "append_keys", "harnesses.mutants.append:append_keys_overwrites_last",
     "FALSIFY-APP-001"),
    ("kv-cache-equivalence-v1", "decode_last", "harnesses.mutants.equivalence:decode_last_position_after_append",
     "FALSIFY-KCE-001"),
    ("kv-cache-precision-v1", "assigned_bits", "harnesses.mutants.precision:assigned_bits_floor_bound",
     "FALSIFY-PREC-006"),
])
def test_a_real_bug_fails_the_gate(contract_id, symbol, mutant, killer):
    options = _options(max_examples=SMALL, only=(killer,), bind_overrides=(f"{contract_id}.{symbol}={mutant}",))
    result = check_paths([_path(contract_id)], options=options)
    run = _run_of(result, contract_id)
    (verdict,) = [r for r in run.checks if r.check_id == killer]
    assert verdict.verdict is Verdict.FALSIFIED, verdict.detail
    assert verdict.counterexample is not None and verdict.counterexample.replayed
    assert not run.gate.passed
