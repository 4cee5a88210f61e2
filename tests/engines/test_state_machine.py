"""State-machine tests: the factory gets the bound implementation; failures show the step program."""
from __future__ import annotations

import dataclasses

import pytest

from kvcontract.bind.binding import load_binding_files, resolve_symbols, symbols_needed
from kvcontract.bind.scope import implementation_scope
from kvcontract.contract.load import load_contract
from kvcontract.diagnostics import BadInput
from kvcontract.engines.options import RunOptions
from kvcontract.engines.state_machine import run_state_machine
from kvcontract.plan.planner import plan_contract
from kvcontract.verdicts.model import Verdict

from run.kvworkspace import Workspace

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "a counter with a lifecycle"
variables:
  k: {type: int, min: 0, max: 3}
symbols:
  counter_new: {params: [], returns: any}
  counter_add: {params: [k], returns: any}
  counter_get: {params: [], returns: any}
  lifecycle: {params: [], returns: any}
proof_obligations:
  - id: CNT-001
    type: conservation
    property: "the counter holds the sum of what was added"
falsification_tests:
  - id: FALSIFY-CNT-001
    rule: "counter lifecycle"
    obligation: CNT-001
    state_machine: lifecycle
    max_examples: 30
"""

IMPL = """
class Counter:
    def __init__(self):
        self.total = 0

def counter_new():
    return Counter()

def counter_add(counter, k):
    counter.total += k

def counter_add_buggy(counter, k):
    counter.total += k if k != 3 else 2

def counter_add_crash(counter, k):
    if k == 3:
        raise MemoryError("arena exhausted")
    counter.total += k

def counter_get(counter):
    return counter.total
"""

MACHINE = """
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

def make_machine(symbols):
    new, add, get = symbols["counter_new"], symbols["counter_add"], symbols["counter_get"]

    class CounterMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.counter = new()
            self.model = 0

        @rule(k=st.integers(0, 3))
        def add(self, k):
            add(self.counter, k)
            self.model += k

        @invariant()
        def agrees(self):
            assert get(self.counter) == self.model, (get(self.counter), self.model)

    return CounterMachine
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    return Workspace(tmp_path, monkeypatch)


def _run(ws, add_target: str = "counter_add", *, options=None):
    impl = ws.module(IMPL)
    machine = ws.module(MACHINE, prefix="machine")
    contract = load_contract(ws.contract("cnt", CONTRACT))
    symbols = {"counter_new": f"{impl}:counter_new", "counter_add": f"{impl}:{add_target}",
               "counter_get": f"{impl}:counter_get", "lifecycle": f"{machine}:make_machine"}
    (check,) = plan_contract(contract, None)
    bindings = load_binding_files([ws.binding({"cnt": symbols})])
    impls = resolve_symbols(contract, bindings, needed=symbols_needed(contract, [check]))
    return run_state_machine(check, implementation_scope(contract, impls), options or RunOptions(seed=3))


def test_a_correct_implementation_runs_every_program(ws):
    result = _run(ws)
    assert result.verdict is Verdict.NOT_FALSIFIED, result.detail
    assert result.examples == 30 and result.min_examples == 30 and result.is_evidence
    assert result.cases > 30  # steps, across programs
    assert result.seed == 3


def test_a_divergent_implementation_is_falsified_with_the_step_program(ws):
    result = _run(ws, "counter_add_buggy")
    assert result.verdict is Verdict.FALSIFIED
    steps = result.counterexample.inputs["steps"]
    assert steps[0].startswith("state = CounterMachine()")
    assert any("add(k=3)" in line for line in steps)
    assert steps[-1] == "state.teardown()"
    assert "hypothesis" not in result.error and "AssertionError" in result.error
    assert "--only FALSIFY-CNT-001" in result.counterexample.reproduce
    assert not result.is_evidence


def test_an_unexpected_exception_is_an_error_with_its_traceback(ws):
    result = _run(ws, "counter_add_crash")
    assert result.verdict is Verdict.ERROR
    assert "MemoryError" in result.detail and "arena exhausted" in result.error
    assert "counter_add_crash" in result.error and "stateful.py" not in result.error


def test_too_few_programs_are_not_evidence(ws):
    result = _run(ws, options=RunOptions(seed=3, max_examples=5))
    assert result.verdict is Verdict.NOT_FALSIFIED and result.examples == 5
    # No declared minimum: the floor is the test's own max_examples (30, under the default 100),
    # which --max-examples 5 cannot lower.
    assert result.min_examples == 30 and not result.is_evidence
    assert dataclasses.replace(result, min_examples=5).is_evidence


def test_a_factory_that_returns_no_machine_is_an_error(ws):
    impl = ws.module(IMPL)
    broken = ws.module("def make_machine(symbols):\n    return 42\n", prefix="machine")
    contract = load_contract(ws.contract("cnt", CONTRACT))
    (check,) = plan_contract(contract, None)
    bindings = load_binding_files([ws.binding({"cnt": {
        "counter_new": f"{impl}:counter_new", "counter_add": f"{impl}:counter_add",
        "counter_get": f"{impl}:counter_get", "lifecycle": f"{broken}:make_machine"}})])
    scope = implementation_scope(contract, resolve_symbols(contract, bindings, needed=symbols_needed(contract, [check])))
    result = run_state_machine(check, scope, RunOptions(seed=3))
    assert result.verdict is Verdict.ERROR and "not a RuleBasedStateMachine" in result.detail


def test_a_missing_machine_module_is_bad_input_naming_the_binding(ws):
    impl = ws.module(IMPL)
    contract = load_contract(ws.contract("cnt", CONTRACT))
    (check,) = plan_contract(contract, None)
    binding = ws.binding({"cnt": {"counter_new": f"{impl}:counter_new", "counter_add": f"{impl}:counter_add",
                                  "counter_get": f"{impl}:counter_get", "lifecycle": "no_such_machine_module:make"}})
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([binding]), needed=symbols_needed(contract, [check]))
    assert info.value.diagnostics[0].code == "KV611"
    assert info.value.diagnostics[0].pos.file == binding


def test_a_contract_that_names_code_in_state_machine_is_rejected(ws):
    path = ws.contract("cnt", CONTRACT.replace("state_machine: lifecycle", 'state_machine: "machines:make_machine"'))
    with pytest.raises(BadInput) as info:
        load_contract(path)
    assert [d.code for d in info.value.diagnostics] == ["KV112"]


def test_a_state_machine_that_is_not_a_declared_symbol_is_a_finding(ws):
    from kvcontract.contract.validate import validate

    contract = load_contract(ws.contract("cnt", CONTRACT.replace("state_machine: lifecycle",
                                                                   "state_machine: lifecylce")))
    codes = [d.code for d in validate([contract])]
    assert "KV412" in codes
