"""End to end: ``check_paths`` / ``cmd_check`` over small contracts and implementations in tmp_path."""
from __future__ import annotations

import argparse
import json
import os

import pytest

from kvcontract.diagnostics import BadInput
from kvcontract.engines.options import RunOptions
from kvcontract.run import add_check_arguments, check_paths, cmd_check
from kvcontract.verdicts.model import Verdict

from .kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace

FAST = dict(max_examples=50, seed=1, timeout_s=60)

HANG = SIZING_IMPL + """
def kv_total_hangs(S, n_kv, d_k, dtype):
    if S > 100:
        while True:
            pass
    return S * kv_bytes(n_kv, d_k, dtype)

def kv_total_crashes(S, n_kv, d_k, dtype):
    import os
    if S > 100:
        os._exit(3)
    return S * kv_bytes(n_kv, d_k, dtype)

def kv_total_capped(S, n_kv, d_k, dtype):
    return min(S, 4096) * kv_bytes(n_kv, d_k, dtype)
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Workspace(tmp_path, monkeypatch)


def setup(ws, kv_total: str = "kv_total", contract: str = SIZING_CONTRACT) -> tuple[str, str]:
    mod = ws.module(HANG)
    binding = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:{kv_total}"}})
    return ws.contract("c1", contract), binding


def verdicts(run) -> list[tuple[str, Verdict]]:
    return [(r.check_id, r.verdict) for c in run.contracts for r in c.checks]


def test_a_correct_implementation_passes_the_gate_in_plan_order(ws):
    path, binding = setup(ws)
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=1, **FAST))
    assert run.passed and run.contracts[0].gate.reasons == []
    assert [cid for cid, _ in verdicts(run)] == ["CONFORM:per_token", "CONFORM:total", "PROVE:KV-MON-001",
                                                "FALSIFY-MON-001"]
    assert run.seed == 1 and run.options["max_examples"] == 50 and run.options["bindings"] == ["binding.yaml"]  # relative to the working directory
    parallel = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=2, **FAST))
    assert verdicts(parallel) == verdicts(run)


def test_a_mutant_fails_the_gate(ws):
    path, binding = setup(ws, "kv_total_capped")
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=2, **FAST))
    assert not run.passed
    assert dict(verdicts(run))["CONFORM:total"] is Verdict.FALSIFIED


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_hung_implementation_is_killed_and_is_an_error(ws, jobs):
    path, binding = setup(ws, "kv_total_hangs")
    options = RunOptions(binding_files=(binding,), jobs=jobs, max_examples=50, seed=1, timeout_s=1.0)
    run = check_paths([path], options=options)
    results = {r.check_id: r for r in run.contracts[0].checks}
    for check_id in ("CONFORM:total", "FALSIFY-MON-001"):
        assert results[check_id].verdict is Verdict.ERROR
        assert "timed out after 1s" in results[check_id].detail
    assert results["CONFORM:per_token"].is_evidence  # the other checks still ran
    assert not run.passed


def test_an_implementation_that_kills_its_worker_is_an_error(ws):
    path, binding = setup(ws, "kv_total_crashes")
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=2, **FAST))
    results = {r.check_id: r for r in run.contracts[0].checks}
    assert results["FALSIFY-MON-001"].verdict is Verdict.ERROR
    assert "the implementation exited the process (code 3)" in results["FALSIFY-MON-001"].detail
    assert not run.passed


def test_only_runs_the_named_check_and_never_passes_the_gate(ws):
    path, binding = setup(ws)
    run = check_paths([path], options=RunOptions(binding_files=(binding,), only=("CONFORM:total",), **FAST))
    assert [cid for cid, _ in verdicts(run)] == ["CONFORM:total"]
    assert run.contracts[0].checks[0].is_evidence
    assert not run.passed
    assert any("partial run" in reason for reason in run.contracts[0].gate.reasons)
    with pytest.raises(BadInput) as info:
        check_paths([path], options=RunOptions(binding_files=(binding,), only=("CONFORM:totl",), **FAST))
    assert info.value.diagnostics[0].code == "KV703" and "CONFORM:total" in info.value.diagnostics[0].hint


PROSE_ONLY = """
metadata:
  version: "1.0.0"
  description: "provable-contracts style, nothing executable"
proof_obligations:
  - id: OB-1
    type: invariant
    property: "no bias"
    formal: "W·0 = 0 ∀ W"
falsification_tests:
  - id: T-1
    rule: "no bias"
    obligation: OB-1
"""


def test_a_contract_with_nothing_executable_is_bad_input(ws):
    path = ws.contract("legacy", PROSE_ONLY)
    binding = ws.binding({})
    with pytest.raises(BadInput) as info:
        check_paths([path], options=RunOptions(binding_files=(binding,), **FAST))
    (diag,) = info.value.diagnostics
    assert diag.code == "KV702" and "nothing executable" in diag.message and diag.pos.file == path


def test_binding_errors_stop_the_run_before_any_check(ws):
    path = ws.contract("c1", SIZING_CONTRACT)
    mod = ws.module(SIZING_IMPL)
    binding = ws.write("b.yaml", f'c1:\n  kv_bytes: "{mod}:kv_bytes"\n  kv_total: "{mod}:nope"\n')
    ran = []
    with pytest.raises(BadInput) as info:
        check_paths([path], options=RunOptions(binding_files=(binding,), **FAST), on_result=ran.append)
    assert ran == []
    (diag,) = info.value.diagnostics
    assert diag.code == "KV612" and (diag.pos.file, diag.pos.line) == (binding, 3) and "kv_total" in diag.message


def _args(*argv: str) -> argparse.Namespace:
    return add_check_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_cmd_check_prints_lines_writes_reports_and_exits_by_the_gate(ws, capsys):
    path, binding = setup(ws)
    junit = ws.path("out/junit.xml")
    code = cmd_check(_args(path, "--binding", binding, "--max-examples", "50", "-j", "1",
                           "--report-dir", ws.path("out"), "--junit-xml", junit))
    out = capsys.readouterr().out
    assert code == 0
    assert "seed 0" in out and "CONFORM:total" in out and "gate passed" in out
    data = json.loads(open(os.path.join(ws.path("out"), "kvcontract-result.json"), encoding="utf-8").read())
    assert data["passed"] is True and data["seed"] == 0
    assert os.path.exists(os.path.join(ws.path("out"), "qa-gate.md")) and os.path.exists(junit)

    mutant_path, mutant_binding = setup(ws, "kv_total_capped")
    code = cmd_check(_args(mutant_path, "--binding", mutant_binding, "--max-examples", "50",
                           "--report-dir", ws.path("out2")))
    out = capsys.readouterr().out
    assert code == 1 and "FALSIFIED" in out and "gate failed" in out
    assert "--only CONFORM:total --seed 0" in out and f"--binding {mutant_binding}" in out


@pytest.mark.parametrize("argv", [
    ["--max-examples", "0"], ["--timeout", "0"], ["-j", "0"], ["--hypothesis-profile", "no-such-profile"],
])
def test_impossible_options_are_bad_input(ws, argv):
    path, binding = setup(ws)
    with pytest.raises(BadInput):
        cmd_check(_args(path, "--binding", binding, "--report-dir", ws.path("out"), *argv))
    assert not os.path.exists(ws.path("out"))


def test_step_summary_is_appended_in_ci(ws, monkeypatch, capsys):
    path, binding = setup(ws)
    summary = ws.path("summary.md")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", summary)
    assert cmd_check(_args(path, "--binding", binding, "--max-examples", "20", "-j", "1",
                           "--report-dir", ws.path("out"))) == 0
    text = open(summary, encoding="utf-8").read()
    assert "c1" in text and "CONFORM:total" in text
    assert "step summary" in capsys.readouterr().out


def test_the_prepared_run_pickles_for_spawned_workers(ws):
    import pickle

    from kvcontract.run import prepare_run
    from kvcontract.run.execute import WorkerContext

    path, binding = setup(ws)
    options = RunOptions(binding_files=(binding,), **FAST)
    prepared = prepare_run([path], options)
    clone = pickle.loads(pickle.dumps(WorkerContext(prepared, options)))
    result = clone.run(prepared.tasks()[0])
    assert result.check_id == "CONFORM:per_token" and result.is_evidence
