"""The shipped bug zoo: enough realistic mutants, each bound, documented and checked against its contract."""
from __future__ import annotations

import glob
import inspect
import os

import pytest

from kvcontract.audit.mutant_file import load_mutant_file
from kvcontract.audit.resolve import load_mutants_for, plan_mutants
from kvcontract.bind.binding import load_binding_files
from kvcontract.contract.repository import load_set
from kvcontract.plan.planner import plan_contract

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MUTANT_FILES = sorted(glob.glob(os.path.join(ROOT, "harnesses", "mutants", "*.yaml")))
CONTRACT_FILES = sorted(glob.glob(os.path.join(ROOT, "contracts", "*.yaml")))


def _all_mutants():
    return [m for path in MUTANT_FILES for ms in load_mutant_file(path).contracts.values() for m in ms]


def test_every_shipped_contract_has_at_least_three_mutants():
    if not CONTRACT_FILES:
        pytest.skip("no shipped contracts yet")
    counts = {os.path.basename(p)[:-5]: 0 for p in CONTRACT_FILES}
    for mutant in _all_mutants():
        if mutant.contract_id in counts:
            counts[mutant.contract_id] += 1
    assert all(n >= 3 for n in counts.values()), counts


def test_mutant_ids_are_unique_across_the_zoo():
    ids = [m.id for m in _all_mutants()]
    assert len(ids) == len(set(ids))


def _target(spec: str):
    import importlib

    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_mutant_is_a_documented_one_line_bug():
    for mutant in _all_mutants():
        for symbol, spec in mutant.bind.items():
            fn = _target(spec)
            assert callable(fn) and (fn.__doc__ or "").strip(), f"{mutant.id}: {spec} needs a docstring"
            module_source = inspect.getsource(inspect.getmodule(fn))
            assert "# BUG:" in module_source, f"{mutant.id}: {spec}'s module marks no bug line"


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=lambda p: os.path.basename(p))
def test_zoo_validates_against_the_shipped_contract(path):
    contract_set = load_set([path])
    (contract,) = contract_set.requested_contracts()
    checks = plan_contract(contract, contract_set)
    mutants = load_mutants_for([contract])[contract.id]
    bindings = load_binding_files([os.path.join(ROOT, "harnesses", "reference.yaml")])
    plans = plan_mutants(contract, mutants, checks, bindings)  # raises BadInput on any problem
    assert len(plans) == len(mutants) >= 3
    assert all(plan.checks for plan in plans), "every mutant must reach at least one check"


def test_shipped_equivalence_zoo_is_killed_end_to_end():
    """One shipped contract audited for real: every mutant killed by every check it names."""
    from kvcontract.audit.runner import audit_paths
    from kvcontract.engines.options import RunOptions

    path = os.path.join(ROOT, "contracts", "kv-cache-equivalence-v1.yaml")
    if not os.path.exists(path):
        pytest.skip("contract not shipped yet")
    run = audit_paths([path], options=RunOptions(jobs=1))
    audit = run.contracts[0].audit
    assert len(audit["mutants"]) >= 3
    zoo_problems = [p for p in audit["problems"] if not p.startswith("baseline:")]
    assert zoo_problems == []
    for mutant in audit["mutants"]:
        assert not mutant["survived"] and mutant["counterexample"] is not None
        assert all(mutant["killed_by"][c] == "FALSIFIED" for c in mutant["expected_killers"])
