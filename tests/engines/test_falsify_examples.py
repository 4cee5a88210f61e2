"""Explicit ``examples:``: typed like the declared domains, only what the check reads required."""
from __future__ import annotations

import pytest

from kvcontract.engines.falsify import run_falsification
from kvcontract.engines.options import RunOptions
from kvcontract.verdicts.model import Verdict

from run.kvworkspace import Workspace, prepare

OPTIONS = RunOptions(max_examples=50, seed=3)

IMPL = """
import numpy as np

def cols(K):
    return int(K.shape[1])

def rows(K):
    return int(K.shape[0])

def qwidth(n_heads, d_k):
    return n_heads * d_k
"""

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "examples with arrays and derived variables"
variables:
  T: {type: int, min: 0, max: 4}
  d: {type: int, min: 1, max: 4}
  K: {type: array, dtype: float64, shape: [T, d], min: -1.0, max: 1.0}
  n_kv: {type: int, min: 1, max: 4}
  group: {type: int, min: 1, max: 4}
  n_heads: {type: derived, value: "n_kv * group"}
  half: {type: int, min: 1, max: 8}
  d_k: {type: derived, value: "2 * half"}
symbols:
  cols: {params: [K], returns: int}
  rows: {params: [K], returns: int}
  qwidth: {params: [n_heads, d_k], returns: int}
proof_obligations:
  - id: KV-SHAPE-001
    type: invariant
    property: "an array keeps its declared shape, even with no rows"
    check: "rows(K) == T and cols(K) == d"
    examples:
      - {T: 0, d: 3, K: []}
      - {T: 2, d: 1, K: [[0.5], [0.25]]}
  - id: KV-DER-001
    type: invariant
    property: "a call that fills n_heads itself needs no group"
    check: "qwidth(n_heads=4, d_k=d_k) == 4 * d_k"
    examples:
      - {half: 4}
  - id: KV-DER-002
    type: invariant
    property: "derived values follow from their bases"
    check: "qwidth(n_heads, d_k) == n_heads * d_k and d_k % 2 == 0"
    examples:
      - {n_kv: 2, group: 3, half: 4}
      - {n_heads: 6, d_k: 8}
falsification_tests:
  - {id: F-SHAPE, rule: "shape", obligation: KV-SHAPE-001}
  - {id: F-DER-1, rule: "derived", obligation: KV-DER-001}
  - {id: F-DER-2, rule: "derived", obligation: KV-DER-002}
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    return Workspace(tmp_path, monkeypatch)


def _checks(ws, contract=CONTRACT):
    mod = ws.module(IMPL)
    binding = ws.binding({"c1": {s: f"{mod}:{s}" for s in ("cols", "rows", "qwidth")}})
    _, checks, scope = prepare(ws.contract("c1", contract), [binding])
    return checks, scope


def test_an_empty_array_example_keeps_its_declared_shape(ws):
    checks, scope = _checks(ws)
    result = run_falsification(checks["F-SHAPE"], scope, OPTIONS)
    assert result.verdict is Verdict.NOT_FALSIFIED, result.detail


def test_an_array_example_of_the_wrong_shape_is_a_clear_error(ws):
    checks, scope = _checks(ws, CONTRACT.replace("{T: 2, d: 1, K: [[0.5], [0.25]]}", "{T: 2, d: 2, K: [[0.5], [0.25]]}"))
    result = run_falsification(checks["F-SHAPE"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "'K' has shape (2, 1), but its declared shape ['T', 'd'] is (2, 2)" in result.detail
    assert "c1.yaml:" in result.detail


def test_only_variables_the_check_reads_must_be_given(ws):
    checks, scope = _checks(ws)
    result = run_falsification(checks["F-DER-1"], scope, OPTIONS)
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail


def test_derived_variables_are_computed_from_their_bases_or_taken_as_given(ws):
    checks, scope = _checks(ws)
    result = run_falsification(checks["F-DER-2"], scope, OPTIONS)
    assert result.verdict is Verdict.VERIFIED_BOUNDED, result.detail


def test_a_given_derived_value_that_contradicts_its_definition_is_an_error(ws):
    checks, scope = _checks(ws, CONTRACT.replace("{n_heads: 6, d_k: 8}", "{n_kv: 2, group: 3, n_heads: 5, half: 4}"))
    result = run_falsification(checks["F-DER-2"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "'n_heads' is given as 5, but its definition n_heads = n_kv * group gives 6" in result.detail


def test_a_variable_the_check_needs_but_the_example_leaves_out_is_named(ws):
    checks, scope = _checks(ws, CONTRACT.replace("{n_heads: 6, d_k: 8}", "{n_kv: 2, half: 4}"))
    result = run_falsification(checks["F-DER-2"], scope, OPTIONS)
    assert result.verdict is Verdict.ERROR
    assert "does not give 'group', which the check reads (needed for derived 'n_heads'; or give 'n_heads' itself)" in result.detail
