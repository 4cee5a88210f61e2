"""The planner: which checks a contract yields, with what property, in what order."""
from __future__ import annotations

import pytest

from kvcontract.contract.load import load_contract
from kvcontract.expr.nodes import Call
from kvcontract.plan.planner import conformance_text, is_executable, plan_contract

from run.kvworkspace import Workspace

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "planner sample"
variables:
  n: {type: int, min: 1, max: 100}
  x: {type: float, min: 0.0, max: 1.0}
  S: {type: int, min: 1, max: 1000}
symbols:
  twice: {params: [n], returns: int}
  half: {params: [x], returns: float}
  total: {params: [S, n], returns: int}
  lifecycle: {params: [], returns: any}
  opaque: {params: [n], returns: int}
equations:
  doubling:
    formula: "twice = 2 * n"
  halving:
    formula: "half = x / 2"
    tolerance: 1.0e-9
  sum_rule:
    formula: "total = S * twice(n)"
  law_spec:
    formula: "doubling(n) > n"
  law_impl:
    formula: "twice(n) >= 2"
  prose:
    formula: "W @ zeros = zeros when no bias"
proof_obligations:
  - id: OB-SPEC
    type: bound
    property: "formula positive"
    check: "doubling(n) > 0"
  - id: OB-SPEC-HYP-ONLY
    type: bound
    property: "formula positive, hypothesis only"
    check: "doubling(n) > 1"
    engines: [hypothesis]
  - id: OB-IMPL
    type: bound
    property: "implementation positive"
    check: "twice(n) > 0"
  - id: OB-UNATTACKED
    type: bound
    property: "nobody tests this"
    check: "half(x) <= x"
  - id: OB-OPAQUE
    type: bound
    property: "a symbol no equation defines"
    check: "opaque(n) >= 0"
  - id: OB-PROSE
    type: invariant
    property: "prose only"
    formal: "it is all fine ∀ things"
falsification_tests:
  - id: T-1
    rule: "impl positive"
    obligation: OB-IMPL
    given: {m: n}
    examples:
      - {n: 3}
  - id: T-2
    rule: "prose"
    obligation: OB-PROSE
  - id: T-3
    rule: "machine"
    obligation: OB-IMPL
    state_machine: lifecycle
kani_harnesses:
  - id: H-1
    obligation: OB-IMPL
    bound: 4
    strategy: bounded_int
qa_gate:
  id: G
  name: "gate"
  min_examples: 50
"""


@pytest.fixture
def plan(tmp_path, monkeypatch):
    ws = Workspace(tmp_path, monkeypatch)
    contract = load_contract(ws.contract("p1", CONTRACT))
    return contract, plan_contract(contract, None)


def test_check_ids_kinds_and_order(plan):
    _, checks = plan
    assert [(c.id, c.kind, c.engine) for c in checks] == [
        ("CONFORM:doubling", "conformance", "hypothesis"),
        ("CONFORM:halving", "conformance", "hypothesis"),
        ("CONFORM:sum_rule", "conformance", "hypothesis"),
        ("LAW:law_spec", "law", "z3"),
        ("LAW:law_impl", "law", "hypothesis"),
        ("PROVE:OB-SPEC", "proof", "z3"),
        ("SAMPLE:OB-SPEC-HYP-ONLY", "proof", "hypothesis"),
        ("PROVE:OB-IMPL", "proof", "z3"),
        ("PROVE:OB-UNATTACKED", "proof", "z3"),
        ("T-1", "falsification", "hypothesis"),
        ("T-2", "falsification", "hypothesis"),
        ("T-3", "state_machine", "hypothesis"),
        ("H-1", "harness", "z3"),
        ("FALSIFY:OB-UNATTACKED", "falsification", "hypothesis"),
        ("FALSIFY:OB-OPAQUE", "falsification", "hypothesis"),
        ("UNCHECKED:prose", "unchecked", "none"),
        ("UNCHECKED:OB-PROSE", "unchecked", "none"),
    ]


def test_planning_is_deterministic(plan):
    contract, checks = plan
    assert plan_contract(contract, None) == checks


def test_conformance_compares_the_symbol_with_the_formula(plan):
    _, checks = plan
    by_id = {c.id: c for c in checks}
    exact = by_id["CONFORM:doubling"]
    assert exact.expr_text == "twice(n) == spec__doubling(n)"
    assert exact.symbol == "twice" and exact.equation == "doubling"
    assert [c.func for c in [exact.expr.left, exact.expr.comparators[0]]] == ["twice", "spec__doubling"]
    floats = by_id["CONFORM:halving"]
    assert floats.expr_text == "abs(half(x) - spec__halving(x)) <= 1e-09 + 0.0 * abs(spec__halving(x))"
    assert floats.tolerance == 1e-9
    # The formula of sum_rule calls the twice symbol, so its conformance needs twice bound too.
    assert by_id["CONFORM:sum_rule"].needs_symbols == ("total", "twice")


def test_conformance_text_for_arrays_uses_allclose():
    assert conformance_text("p", ("W", "x"), "proj", "array", 1e-6, 0.0) == \
        "allclose(p(W, x), spec__proj(W, x), 1e-06, 0.0)"


def test_spec_only_obligations_are_proved_and_implementation_ones_are_not(plan):
    _, checks = plan
    ids = {c.id for c in checks}
    assert "PROVE:OB-SPEC" in ids
    assert "PROVE:OB-SPEC-HYP-ONLY" not in ids  # engines: [hypothesis] excludes z3...
    sampled = {c.id: c for c in checks}["SAMPLE:OB-SPEC-HYP-ONLY"]  # ...so Hypothesis samples the spec
    assert (sampled.kind, sampled.engine, sampled.needs_symbols) == ("proof", "hypothesis", ())
    # Symbols that equations define are read as their formulas in a proof, so an
    # obligation about them is also a statement about the specification...
    assert "PROVE:OB-IMPL" in ids
    # ...but a symbol no equation defines can only be tested, never proved.
    assert "PROVE:OB-OPAQUE" not in ids
    assert {c.id: c for c in checks}["PROVE:OB-SPEC"].needs_symbols == ()


def test_falsification_test_inherits_obligation_and_gate(plan):
    _, checks = plan
    test = {c.id: c for c in checks}["T-1"]
    assert test.obligation_id == "OB-IMPL"
    assert test.expr_text == "twice(n) > 0"
    assert set(test.variables) == {"n", "x", "S", "m"}
    assert test.variables["m"] == test.variables["n"]
    assert test.min_examples == 50
    assert [e.inputs for e in test.examples] == [{"n": 3}]
    assert test.needs_symbols == ("twice",)


def test_prose_is_planned_but_not_executable(plan):
    _, checks = plan
    by_id = {c.id: c for c in checks}
    assert by_id["T-2"].expr is None and not is_executable(by_id["T-2"])
    assert is_executable(by_id["T-3"]) and by_id["T-3"].state_machine == "lifecycle"
    assert "LAW:prose" not in by_id
    # Every equation and obligation gets a check: prose ones an UNCHECKED one, which is never evidence.
    assert not is_executable(by_id["UNCHECKED:prose"]) and by_id["UNCHECKED:prose"].equation == "prose"
    assert by_id["UNCHECKED:OB-PROSE"].obligation_id == "OB-PROSE"
    assert "prose" in by_id["UNCHECKED:prose"].title


EVERYTHING_COVERED = """
metadata:
  version: "1.0.0"
  description: "items the planner used to skip"
variables:
  x: {type: int, min: 1, max: 100}
symbols:
  g: {params: [x], returns: int}
  h: {params: [x], returns: int}
equations:
  ident:
    formula: "g = x"
  unread:
    formula: "helper = x + 1"
  read:
    formula: "helper2 = x + 2"
proof_obligations:
  - id: OB-EXISTS-IMPL
    type: invariant
    property: "a witness in the implementation"
    check: "h(x) == 50"
    quantifier: exists
  - id: OB-Z3-ONLY-IMPL
    type: invariant
    property: "implementation, engines z3 only"
    check: "h(x) >= 0"
    engines: [z3]
  - id: OB-READS
    type: bound
    property: "reads a definition"
    check: "helper2(x) > x"
"""


def test_every_equation_and_obligation_gets_a_check(tmp_path, monkeypatch):
    ws = Workspace(tmp_path, monkeypatch)
    checks = plan_contract(load_contract(ws.contract("cov", EVERYTHING_COVERED)), None)
    by_id = {c.id: c for c in checks}
    # 'exists' over the implementation: sampling cannot show a witness exists; z3-only over an
    # implementation no equation defines: no engine allowed can run it; a definition nothing reads.
    assert {i for i in by_id if i.startswith("UNCHECKED:")} == {
        "UNCHECKED:OB-EXISTS-IMPL", "UNCHECKED:OB-Z3-ONLY-IMPL", "UNCHECKED:unread"}
    assert "exists" in by_id["UNCHECKED:OB-EXISTS-IMPL"].title
    assert "PROVE:OB-READS" in by_id  # ...and the definition it reads counts as covered


def test_harness_carries_its_bound(plan):
    _, checks = plan
    harness = {c.id: c for c in checks}["H-1"]
    assert (harness.bound, harness.strategy, harness.expr_text) == (4, "bounded_int", "twice(n) > 0")
    assert isinstance(harness.expr.left, Call)


def test_a_contract_with_only_prose_plans_nothing_executable(tmp_path, monkeypatch):
    ws = Workspace(tmp_path, monkeypatch)
    contract = load_contract(ws.contract("legacy", """
metadata:
  version: "1.0.0"
  description: "provable-contracts style"
equations:
  bias:
    formula: "W @ zeros = zeros when no bias"
proof_obligations:
  - id: OB-1
    type: invariant
    property: "no bias"
    formal: "W·0 = 0 ∀ W"
falsification_tests:
  - id: T-1
    rule: "no bias"
    obligation: OB-1
"""))
    checks = plan_contract(contract, None)
    assert checks and not any(is_executable(c) for c in checks)
