"""Verdicts that say what failed: the contract (ERROR) is not the implementation (FALSIFIED)."""
from __future__ import annotations

import pytest

from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
from kvcontract.verdicts.model import Verdict

from .kvworkspace import Workspace

TEMPLATE = """
metadata:
  version: "1.0.0"
  description: "contract-level failures"
variables:
  x: {type: int, min: 1, max: 1000000}
proof_obligations:
  - id: E-1
    type: invariant
    property: "p"
    check: "CHECK"
    ENGINES
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, monkeypatch)


def _only_result(ws, check: str, engines: str = ""):
    text = TEMPLATE.replace("CHECK", check).replace("ENGINES", engines)
    run = check_paths([ws.contract("e-v1", text)], options=RunOptions(jobs=1, max_examples=200, seed=0))
    [result] = run.contracts[0].checks
    assert not run.passed
    return result


@pytest.mark.parametrize("check, says", [
    ("x // 0 == 1", "division by zero"),
    ("len(zeros(10 ** 12)) > 0", "exceeds"),
])
def test_a_guard_or_division_by_zero_in_the_contract_is_an_error_not_a_counterexample(ws, check, says):
    result = _only_result(ws, check)
    assert result.verdict is Verdict.ERROR
    assert "the contract cannot be evaluated" in result.detail and says in result.detail


def test_running_out_of_memory_is_a_clear_error_without_kvcontracts_traceback(ws):
    result = _only_result(ws, "all(i >= 0 for i in range(10 ** 13))")
    assert result.verdict is Verdict.ERROR
    assert "ran out of memory" in result.detail and result.error is None


def test_a_rare_premise_is_vacuous_without_claiming_it_is_unsatisfiable(ws):
    result = _only_result(ws, "x == 777 => x > 1", "engines: [hypothesis]")
    assert result.verdict is Verdict.VACUOUS
    assert "no generated example met the premises (they may be satisfiable: add examples:)" in result.detail
