"""The audit passes only when every mutant is killed and every falsification test kills one.

A toy contract (``double(n) = 2 * n``) with two falsification tests runs
against zoos written into ``tmp_path``; the implementations live in a module
written next to them, so the binding and mutant files import it from there.
"""
from __future__ import annotations

import argparse
import json

import pytest

from kvcontract.audit.cli import add_audit_arguments, cmd_audit
from kvcontract.audit.runner import audit_paths
from kvcontract.diagnostics import BadInput
from kvcontract.engines.options import RunOptions
from kvcontract.report.result import load_schema, run_to_json

from .helpers import write

CONTRACT = """\
metadata: {version: "1.0.0", description: "toy doubling contract"}
variables:
  n: {type: int, min: 0, max: 1000}
symbols:
  double: {params: [n], returns: int}
equations:
  doubling:
    formula: "double = 2 * n"
qa_gate: {id: G-TOY, name: "toy", min_examples: 50}  # small budgets on purpose
proof_obligations:
  - id: TOY-INV-001
    type: invariant
    property: "double is even"
    check: "double(n) % 2 == 0"
  - id: TOY-BND-001
    type: bound
    property: "double is not smaller than its input"
    check: "double(n) >= n"
falsification_tests:
  - id: FALSIFY-TOY-001
    rule: "even"
    obligation: TOY-INV-001
  - id: FALSIFY-TOY-002
    rule: "not smaller"
    obligation: TOY-BND-001
"""

IMPLEMENTATIONS = '''\
def double(n):
    return 2 * n

def double_plus_one(n):
    """Off by one: odd results."""
    return 2 * n + 1

def double_negated(n):
    """Sign error: even, but smaller than n."""
    return -2 * n

def double_abs(n):
    """An equivalent mutant on n >= 0: no check can kill it."""
    return 2 * abs(n)

def double_raises(n):
    raise RuntimeError("crashed")

def double_hangs(n):
    while True:
        pass
'''


def _mutant(ident: str, function: str, killers: str) -> str:
    return (f"  - id: {ident}\n    description: \"{function}\"\n"
            f"    bind: {{double: \"toy_impl:{function}\"}}\n    killed_by: [{killers}]\n")


@pytest.fixture
def toy(tmp_path):
    write(tmp_path, "toy_impl.py", IMPLEMENTATIONS)
    contract = write(tmp_path, "toy-v1.yaml", CONTRACT)
    binding = write(tmp_path, "binding.yaml", "toy-v1:\n  double: \"toy_impl:double\"\n")
    return tmp_path, contract, binding


def _audit(toy, zoo: str, **options):
    directory, contract, binding = toy
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + zoo)
    opts = RunOptions(jobs=1, max_examples=50, binding_files=(binding,), **options)
    run = audit_paths([contract], options=opts, mutant_files=[mutants])
    return run, run.contracts[0].audit


GOOD_ZOO = (_mutant("MUT-TOY-001", "double_plus_one", "FALSIFY-TOY-001, 'CONFORM:doubling'")
            + _mutant("MUT-TOY-002", "double_negated", "FALSIFY-TOY-002"))


def test_every_mutant_killed_and_every_test_killing_passes(toy):
    run, audit = _audit(toy, GOOD_ZOO)
    assert audit["passed"], audit["problems"]
    assert audit["problems"] == []
    plus_one, negated = audit["mutants"]
    assert plus_one["killed_by"]["FALSIFY-TOY-001"] == "FALSIFIED"
    assert plus_one["killed_by"]["FALSIFY-TOY-002"] in ("NOT_FALSIFIED", "VERIFIED_BOUNDED")  # 2n+1 >= n: blind
    assert negated["killed_by"]["FALSIFY-TOY-002"] == "FALSIFIED"
    assert not plus_one["survived"] and plus_one["counterexample"]["inputs"] == {"n": 0}  # shrunk
    assert negated["counterexample"]["inputs"] == {"n": 1}
    assert audit["checks"] == ["CONFORM:doubling", "FALSIFY-TOY-001", "FALSIFY-TOY-002"]
    assert run.contracts[0].gate.passed  # the baseline of the audited checks


def test_audit_document_matches_the_result_schema(toy):
    jsonschema = pytest.importorskip("jsonschema")
    run, _ = _audit(toy, GOOD_ZOO)
    jsonschema.validate(run_to_json(run), load_schema())


def test_a_surviving_mutant_fails_the_audit(toy):
    run, audit = _audit(toy, GOOD_ZOO + _mutant("MUT-TOY-003", "double_abs", "FALSIFY-TOY-001"))
    assert not audit["passed"]
    survivor = audit["mutants"][2]
    assert survivor["survived"] and survivor["counterexample"] is None
    assert set(survivor["killed_by"].values()) <= {"NOT_FALSIFIED", "VERIFIED_BOUNDED", "PROVED"}
    assert any(p.startswith("MUT-TOY-003 survived every check") for p in audit["problems"])
    assert "MUT-TOY-003: expected FALSIFY-TOY-001 to kill it, it did not (NOT_FALSIFIED)" in audit["problems"]


def test_a_falsification_test_that_kills_nothing_fails_the_audit(toy):
    run, audit = _audit(toy, _mutant("MUT-TOY-001", "double_plus_one", "FALSIFY-TOY-001"))
    assert not audit["passed"]
    assert not audit["mutants"][0]["survived"]
    assert audit["problems"] == [
        "FALSIFY-TOY-002 kills no mutant: as far as the bug zoo shows, it could never fail"]


def test_a_mutant_stopped_only_by_error_is_not_killed(toy):
    run, audit = _audit(toy, GOOD_ZOO + _mutant("MUT-TOY-003", "double_raises", "FALSIFY-TOY-001"))
    crash = audit["mutants"][2]
    assert crash["survived"] and set(crash["killed_by"].values()) == {"ERROR"}
    assert any(p.startswith("MUT-TOY-003 is stopped only by") and "never FALSIFIED" in p for p in audit["problems"])
    assert not audit["passed"]


def test_a_hanging_mutant_is_an_error_after_the_timeout(toy):
    run, audit = _audit(toy, GOOD_ZOO + _mutant("MUT-TOY-003", "double_hangs", "FALSIFY-TOY-001"), timeout_s=1.0)
    hang = audit["mutants"][2]
    assert set(hang["killed_by"].values()) == {"ERROR"} and hang["survived"]
    assert not audit["passed"]


def test_workers_give_the_same_matrix(toy):
    _, serial = _audit(toy, GOOD_ZOO)
    directory, contract, binding = toy
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + GOOD_ZOO)
    run = audit_paths([contract], options=RunOptions(jobs=2, max_examples=50, binding_files=(binding,)),
                      mutant_files=[mutants])
    parallel = run.contracts[0].audit
    strip = lambda audit: [{k: v for k, v in m.items() if k != "seconds"} for m in audit["mutants"]]  # noqa: E731
    assert strip(parallel) == strip(serial)


def _args(toy, zoo: str, *extra: str) -> argparse.Namespace:
    directory, contract, binding = toy
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + zoo)
    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    return parser.parse_args([contract, "--binding", binding, "--mutants", mutants, "-j", "1", "--max-examples", "50",
                              "--report-dir", str(directory / "reports"), *extra])


def test_cmd_audit_exit_codes_and_report(toy, capsys):
    directory = toy[0]
    assert cmd_audit(_args(toy, GOOD_ZOO)) == 0
    out = capsys.readouterr().out
    assert "PASS audit: 2 of 2 mutants killed" in out
    report = (directory / "reports" / "qa-gate.md").read_text()
    assert "Falsifiability — 2 of 2 mutants killed" in report and "MUT-TOY-002" in report
    result = json.loads((directory / "reports" / "kvcontract-result.json").read_text())
    assert result["contracts"][0]["audit"]["passed"] is True
    assert cmd_audit(_args(toy, _mutant("MUT-TOY-001", "double_plus_one", "FALSIFY-TOY-001"))) == 1


def test_bad_mutant_file_is_bad_input(toy):
    zoo = _mutant("MUT-TOY-001", "no_such_function", "FALSIFY-TOY-009")
    with pytest.raises(BadInput) as info:
        cmd_audit(_args(toy, zoo))
    assert [(d.code, d.pos.line) for d in info.value.diagnostics] == [("KV812", 5), ("KV612", 4)]


def test_check_audit_reuses_the_gate_as_baseline(toy):
    """``check --audit``: the finished run's verdicts are the baseline; the audit lands on each ContractRun."""
    from kvcontract.audit.runner import attach_audit

    run, audit = _audit(toy, GOOD_ZOO)
    directory, contract, binding = toy
    run.contracts[0].audit = None
    opts = RunOptions(jobs=1, max_examples=50, binding_files=(binding,))
    attach_audit(run, paths=[contract], options=opts, mutant_files=[str(directory / "zoo.yaml")])
    again = run.contracts[0].audit
    strip = lambda a: [{k: v for k, v in m.items() if k != "seconds"} for m in a["mutants"]]  # noqa: E731
    assert again["passed"] and strip(again) == strip(audit)


def test_failing_baseline_fails_the_audit(toy):
    directory, contract, binding = toy
    broken = write(directory, "broken.yaml", "toy-v1:\n  double: \"toy_impl:double_plus_one\"\n")
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + GOOD_ZOO)
    run = audit_paths([contract], options=RunOptions(jobs=1, max_examples=50, binding_files=(broken,)),
                      mutant_files=[mutants])
    audit = run.contracts[0].audit
    assert not audit["passed"] and not run.contracts[0].gate.passed
    assert any(p.startswith("baseline: FALSIFY-TOY-001 is FALSIFIED") for p in audit["problems"])


def test_audit_context_pickles_for_spawned_workers(toy):
    """On platforms without fork the pool pickles the context: it must carry no callables."""
    import pickle

    from kvcontract.audit.execute import AuditContext
    from kvcontract.audit.runner import _mutant_units, prepare_audit

    directory, contract, binding = toy
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + GOOD_ZOO)
    opts = RunOptions(jobs=1, max_examples=50, binding_files=(binding,))
    plan = prepare_audit([contract], options=opts, mutant_files=[mutants])
    units = _mutant_units(plan, False)
    context = AuditContext(plan.prepared, opts, plan.mutants, units)
    context.run((0, 0))  # fills the per-process scope caches
    clone = pickle.loads(pickle.dumps(context))
    assert clone.units == context.units and clone.run((0, 0)).verdict.value == "FALSIFIED"


def test_check_audit_flags_and_report_section(toy, capsys):
    """The pieces `kvcontract check --audit` is wired from: flags, audit of the finished run, the report section."""
    from kvcontract.audit.cli import add_check_audit_arguments, audit_finished_run
    from kvcontract.report.markdown import render_markdown
    from kvcontract.run import prepare_run, run_prepared
    from kvcontract.run.command import add_check_arguments, options_from_args

    directory, contract, binding = toy
    mutants = write(directory, "zoo.yaml", "toy-v1:\n" + GOOD_ZOO)
    parser = argparse.ArgumentParser()
    add_check_audit_arguments(add_check_arguments(parser))
    args = parser.parse_args([contract, "--binding", binding, "-j", "1", "--max-examples", "50",
                              "--audit", "--mutants", mutants])
    options = options_from_args(args)
    prepared = prepare_run([contract], options)
    run = run_prepared(prepared, options)
    assert args.audit and audit_finished_run(run, prepared, options, args)
    assert "PASS audit: 2 of 2 mutants killed" in capsys.readouterr().out
    report = render_markdown(run, audit=True)
    assert "Falsifiability — 2 of 2 mutants killed" in report and "`MUT-TOY-001`" in report


def test_mutant_file_found_by_key_or_default_location(toy):
    directory, contract, binding = toy
    opts = RunOptions(jobs=1, max_examples=50, binding_files=(binding,))
    # Default: harnesses/mutants/<contract-id>.yaml under the project root (here the directory itself).
    (directory / "harnesses" / "mutants").mkdir(parents=True)
    write(directory / "harnesses" / "mutants", "toy-v1.yaml", "toy-v1:\n" + GOOD_ZOO)
    assert audit_paths([contract], options=opts).contracts[0].audit["passed"]
    # The contract's mutants: key, relative to the contract file, wins over the default.
    write(directory, "toy-v1.yaml", CONTRACT + "mutants: zoo/only-one.yaml\n")
    (directory / "zoo").mkdir()
    write(directory / "zoo", "only-one.yaml", "toy-v1:\n" + _mutant("MUT-TOY-009", "double_plus_one", "FALSIFY-TOY-001"))
    audit = audit_paths([contract], options=opts).contracts[0].audit
    assert [m["id"] for m in audit["mutants"]] == ["MUT-TOY-009"]


def test_missing_mutants_file_named_by_the_contract_is_bad_input(toy):
    directory, contract, binding = toy
    write(directory, "toy-v1.yaml", CONTRACT + "mutants: nowhere.yaml\n")
    with pytest.raises(BadInput) as info:
        audit_paths([contract], options=RunOptions(jobs=1, binding_files=(binding,)))
    (diag,) = info.value.diagnostics
    assert diag.code == "KV810" and diag.pos.line == CONTRACT.count("\n") + 1
