"""The evidence floor comes from the contract: --max-examples cannot lower it."""
from __future__ import annotations

import pytest

from kvcontract.engines.options import DEFAULT_MIN_EXAMPLES, RunOptions
from kvcontract.plan.model import Check
from kvcontract.run import check_paths
from kvcontract.verdicts.model import Verdict

from .kvworkspace import Workspace

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "no min_examples anywhere"
variables:
  x: {type: int, min: 1, max: 1000000}
symbols:
  f: {params: [x], returns: int}
proof_obligations:
  - id: M-1
    type: invariant
    property: "f is zero"
    check: "f(x) == 0"
falsification_tests:
  - {id: T-1, rule: a, obligation: M-1}
qa_gate:
  id: G
  name: "probe"
  checks: [T-1]
GATE_MIN
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, monkeypatch)


def _run(ws, gate_min: str, max_examples: int):
    mod = ws.module("def f(x):\n    return 0\n")
    binding = ws.binding({"m-v1": {"f": f"{mod}:f"}})
    path = ws.contract("m-v1", CONTRACT.replace("GATE_MIN", gate_min))
    return check_paths([path], options=RunOptions(binding_files=(binding,), jobs=1, max_examples=max_examples))


def test_max_examples_one_cannot_pass_a_gate_that_declares_no_minimum(ws):
    run = _run(ws, "", 1)
    [result] = run.contracts[0].checks
    assert result.verdict is Verdict.NOT_FALSIFIED and result.examples == 1
    assert result.min_examples == DEFAULT_MIN_EXAMPLES and not result.is_evidence
    assert not run.passed
    assert "T-1: ran 1 examples, fewer than the minimum 100" in run.contracts[0].gate.reasons


def test_a_declared_minimum_is_the_floor(ws):
    assert _run(ws, "  min_examples: 10", 10).passed


def test_the_floor_ignores_the_command_line():
    options = RunOptions(max_examples=1)
    check = Check(id="T", kind="falsification", contract_id="c", contract_path="c.yaml", pos=None)
    assert options.min_examples_for(check, 1) == DEFAULT_MIN_EXAMPLES
    assert options.min_examples_for(Check(id="T", kind="falsification", contract_id="c", contract_path="c.yaml",
                                          pos=None, min_examples=7), 1) == 7
    # A test that itself asks for fewer examples than the default sets a lower floor in the contract.
    assert options.min_examples_for(Check(id="T", kind="falsification", contract_id="c", contract_path="c.yaml",
                                          pos=None, max_examples=40), 1) == 40
