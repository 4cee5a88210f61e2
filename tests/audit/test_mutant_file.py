"""Mutant files: shape errors with file:line:col, and validation against a contract."""
from __future__ import annotations

import textwrap

import pytest

from kvcontract.audit.mutant_file import load_mutant_file
from kvcontract.audit.resolve import load_mutants_for, plan_mutants
from kvcontract.bind.binding import BindingSet
from kvcontract.contract.load import load_contract
from kvcontract.diagnostics import BadInput
from kvcontract.plan.planner import plan_contract

from .helpers import write

GOOD = """\
kv-cache-sizing-v1:
  - id: MUT-T-001
    description: "Missing factor of 2"
    bind: {kv_bytes: "harnesses.mutants.sizing:kv_bytes_no_factor_2"}
    killed_by: [FALSIFY-KV-001]
"""


def _codes(bad: BadInput) -> list[tuple[str, int, int]]:
    return [(d.code, d.pos.line, d.pos.col) for d in bad.diagnostics]


def test_good_file_loads_with_positions(tmp_path):
    path = write(tmp_path, "m.yaml", GOOD)
    mfile = load_mutant_file(path)
    (mutant,) = mfile.contracts["kv-cache-sizing-v1"]
    assert mutant.id == "MUT-T-001"
    assert mutant.bind == {"kv_bytes": "harnesses.mutants.sizing:kv_bytes_no_factor_2"}
    assert mutant.killed_by == ("FALSIFY-KV-001",)
    assert (mutant.pos.line, mutant.bind_pos["kv_bytes"].line, mutant.killed_by_pos[0].line) == (2, 4, 5)


@pytest.mark.parametrize("body, expected", [
    # unknown key, with the position of the key
    ("  - id: A\n    description: d\n    bind: {kv_bytes: 'a.b:c'}\n    killed_by: [X]\n    kiled_by: [Y]\n",
     [("KV802", 6, 5)]),
    # missing killed_by
    ("  - id: A\n    description: d\n    bind: {kv_bytes: 'a.b:c'}\n", [("KV803", 2, 5)]),
    # empty killed_by: a mutant nobody must kill proves nothing
    ("  - id: A\n    description: d\n    bind: {kv_bytes: 'a.b:c'}\n    killed_by: []\n", [("KV801", 5, 16)]),
    # a target that is not module:attr
    ("  - id: A\n    description: d\n    bind: {kv_bytes: 'no colon'}\n    killed_by: [X]\n", [("KV805", 4, 22)]),
    # duplicate ids
    ("  - {id: A, description: d, bind: {s: 'a:b'}, killed_by: [X]}\n"
     "  - {id: A, description: d, bind: {s: 'a:b'}, killed_by: [X]}\n", [("KV804", 3, 10)]),
])
def test_shape_errors_name_file_line_col(tmp_path, body, expected):
    path = write(tmp_path, "m.yaml", "kv-cache-sizing-v1:\n" + body)
    with pytest.raises(BadInput) as info:
        load_mutant_file(path)
    assert _codes(info.value) == expected
    assert all(d.pos.file == path for d in info.value.diagnostics)


def test_duplicate_yaml_keys_are_errors(tmp_path):
    path = write(tmp_path, "m.yaml", GOOD + "kv-cache-sizing-v1: []\n")
    with pytest.raises(BadInput) as info:
        load_mutant_file(path)
    assert [d.code for d in info.value.diagnostics] == ["KV101"]


@pytest.fixture(scope="module")
def sizing():
    contract = load_contract("contracts/kv-cache-sizing-v1.yaml")
    return contract, plan_contract(contract, None)


def _plan(tmp_path, sizing, text):
    contract, checks = sizing
    path = write(tmp_path, "m.yaml", text)
    mutants = load_mutants_for([contract], [path])[contract.id]
    return plan_mutants(contract, mutants, checks, BindingSet())


def test_unknown_check_symbol_and_import_are_reported_together(tmp_path, sizing):
    text = textwrap.dedent("""\
        kv-cache-sizing-v1:
          - id: A
            description: d
            bind: {kv_bites: "harnesses.mutants.sizing:kv_bytes_no_factor_2"}
            killed_by: [FALSIFY-KV-001]
          - id: B
            description: d
            bind: {kv_bytes: "harnesses.mutants.sizing:kv_bytes_no_factor_2"}
            killed_by: [FALSIFY-KV-01]
          - id: C
            description: d
            bind: {kv_bytes: "harnesses.mutants.sizing:no_such_function"}
            killed_by: [FALSIFY-KV-001]
          - id: D
            description: d
            bind: {kv_bytes: "harnesses.mutants.no_such_module:f"}
            killed_by: [FALSIFY-KV-001]
        """)
    with pytest.raises(BadInput) as info:
        _plan(tmp_path, sizing, text)
    found = _codes(info.value)
    assert found == [("KV811", 4, 12), ("KV812", 9, 17), ("KV612", 12, 22), ("KV611", 16, 22)]
    by_code = {d.code: d for d in info.value.diagnostics}
    assert by_code["KV811"].hint == "did you mean 'kv_bytes'?"
    assert by_code["KV812"].hint == "did you mean 'FALSIFY-KV-001'?"


def test_affected_checks_are_those_calling_the_symbol(tmp_path, sizing):
    (plan,) = _plan(tmp_path, sizing, GOOD)
    assert "FALSIFY-KV-001" in plan.checks and "CONFORM:per_token_per_layer" in plan.checks
    assert "FALSIFY-KV-004" not in plan.checks  # tensor_inventory: cannot see kv_bytes
    assert not any(cid.startswith("PROVE:") for cid in plan.checks)  # the spec alone never changes
