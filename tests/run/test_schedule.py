"""Shared runs of identical checks, and longest-first scheduling with results in plan order."""
from __future__ import annotations

import pytest

from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
from kvcontract.run.prepare import prepare_run
from kvcontract.run.schedule import estimated_cost, longest_first, shared_runs
from kvcontract.verdicts.model import Verdict

from .kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace

CONTRACT = SIZING_CONTRACT.replace('''  total:
    formula: "kv_total = S * 2 * n_kv * d_k * sizeof(dtype)"''', '''  total:
    formula: "kv_total = S * 2 * n_kv * d_k * sizeof(dtype)"
  per_token_grows:
    formula: "kv_bytes(n_kv, d_k, dtype) >= 2 * n_kv * d_k"''') + '''  - id: FALSIFY-GROW-001
    rule: "the same law as an equation"
    obligation: KV-MON-001
    check: "kv_bytes(n_kv, d_k, dtype) >= 2 * n_kv * d_k"
'''
WRONG = SIZING_IMPL.replace("return 2 * n_kv * d_k * SIZES[dtype]", "return n_kv * d_k * SIZES[dtype] // 2")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path, monkeypatch)


def _setup(ws, impl):
    mod = ws.module(impl)
    binding = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"}})
    return ws.contract("c1", CONTRACT), binding


def _by_id(run):
    return {r.check_id: r for r in run.contracts[0].checks}


def test_a_law_and_a_test_of_the_same_property_share_one_run(ws):
    path, binding = _setup(ws, SIZING_IMPL)
    options = RunOptions(binding_files=(binding,), jobs=1, max_examples=100, seed=2)
    prepared = prepare_run([path], options)
    checks = prepared.contracts[0].checks
    from kvcontract.run.execute import WorkerContext

    scope = WorkerContext(prepared, options).scopes(0)[0]
    owner = shared_runs([(0, c, scope) for c in checks])
    ids = [c.id for c in checks]
    assert ids[owner[ids.index("FALSIFY-GROW-001")]] == "LAW:per_token_grows"
    assert sum(o != i for i, o in enumerate(owner)) == 1  # nothing else is shared
    run = check_paths([path], options=options)
    results = _by_id(run)
    law, test = results["LAW:per_token_grows"], results["FALSIFY-GROW-001"]
    assert [r.check_id for r in run.contracts[0].checks] == ids  # plan order, copies in place
    assert test.verdict is law.verdict is Verdict.NOT_FALSIFIED and test.examples == law.examples == 100
    assert test.kind == "falsification" and test.obligation == "KV-MON-001"
    assert "one run shared with LAW:per_token_grows" in test.detail and run.passed


def test_a_shared_failure_fails_both_checks_with_their_own_reproduce_command(ws):
    path, binding = _setup(ws, WRONG)
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=2, max_examples=40, seed=2))
    results = _by_id(run)
    law, test = results["LAW:per_token_grows"], results["FALSIFY-GROW-001"]
    assert law.verdict is test.verdict is Verdict.FALSIFIED and not run.passed
    assert test.counterexample.inputs == law.counterexample.inputs
    assert "--only FALSIFY-GROW-001" in test.counterexample.reproduce
    assert "--only LAW:per_token_grows" in law.counterexample.reproduce


def test_longest_first_puts_sampled_checks_before_proofs_and_keeps_plan_order_among_equals(ws):
    path, binding = _setup(ws, SIZING_IMPL)
    options = RunOptions(binding_files=(binding,), max_examples=1000)
    checks = prepare_run([path], options).contracts[0].checks
    order = [checks[i].id for i in longest_first(checks, options)]
    assert order.index("FALSIFY-MON-001") < order.index("PROVE:KV-MON-001")
    assert estimated_cost(checks[[c.id for c in checks].index("PROVE:KV-MON-001")], options) < 1.0
    ties = [c.id for c in checks if estimated_cost(c, options) == estimated_cost(checks[-1], options)]
    assert [i for i in order if i in ties] == ties
