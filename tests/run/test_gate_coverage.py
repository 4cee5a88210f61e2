"""The gate never passes over an equation, obligation or gate entry that got no evidence."""
from __future__ import annotations

import pytest

from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
from kvcontract.verdicts.model import CheckResult, GateResult, Verdict

from .kvworkspace import Workspace

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "items that used to be skipped"
variables:
  x: {type: int, min: 1, max: 100}
symbols:
  g: {params: [x], returns: int}
equations:
  prose_eq:
    formula: "g is the identity for all x"
  ident:
    formula: "g = x"
proof_obligations:
  - id: U-INV-001
    type: invariant
    property: "identity"
    check: "g(x) == x"
  - id: U-INV-002
    type: invariant
    property: "prose only, unattacked"
    formal: "g is nice for all x"
  - id: U-INV-003
    type: invariant
    property: "spec-only, hypothesis engine only, false"
    check: "x + 1 > x + 2"
    engines: [hypothesis]
falsification_tests:
  - id: FALSIFY-U-001
    rule: "identity"
    obligation: U-INV-001
qa_gate:
  id: F-U-001
  name: "probe"
  checks: [prose_eq, U-INV-002, U-INV-003, FALSIFY-U-001]
  min_examples: 20
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, monkeypatch)


def test_prose_items_and_hypothesis_only_spec_obligations_fail_the_gate(ws):
    mod = ws.module("def g(x):\n    return x\n")
    binding = ws.binding({"u-v1": {"g": f"{mod}:g"}})
    path = ws.contract("u-v1", CONTRACT)
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=1, max_examples=30, seed=1))
    gate = run.contracts[0].gate
    results = {r.check_id: r for r in gate.checks}
    assert results["UNCHECKED:prose_eq"].verdict is Verdict.UNCHECKED
    assert results["UNCHECKED:U-INV-002"].verdict is Verdict.UNCHECKED
    # engines: [hypothesis] on a statement about the specification: sampled, and here refuted.
    assert results["SAMPLE:U-INV-003"].verdict is Verdict.FALSIFIED
    assert results["SAMPLE:U-INV-003"].engine == "hypothesis"
    assert not gate.passed and not run.passed
    assert "gate check prose_eq: no planned check gave evidence for it" in gate.reasons
    assert "gate check FALSIFY-U-001: no planned check gave evidence for it" not in gate.reasons


def _result(check_id: str, verdict: Verdict) -> CheckResult:
    return CheckResult(check_id, "falsification", "c", verdict)


def test_a_gate_entry_without_evidence_fails_the_gate_by_name():
    checks = [_result("T-1", Verdict.NOT_FALSIFIED)]
    assert GateResult.decide("c", "G", "g", checks, required=[("T-1", ("T-1",))]).passed
    missing = GateResult.decide("c", "G", "g", checks, required=[("T-1", ("T-1",)), ("OB-9", ())])
    assert not missing.passed and missing.reasons == ["gate check OB-9: no check was planned for it"]
