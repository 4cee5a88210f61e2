"""KV409: the validator reports certain type mistakes at file:line:col, and nothing for a clean contract."""
from __future__ import annotations

from pathlib import Path

from kvcontract.contract.repository import load_set
from kvcontract.expr.contract_types import contract_signatures, contract_variable_types
from kvcontract.expr.types import INT, check_contract_types, list_of

CONTRACT = '''\
metadata:
  version: "1.0.0"
  description: "type mistakes"
variables:
  n_kv: {type: int, min: 1, max: 8}
  dtype: {type: enum, values: [f16, f32, int4]}
  flag: {type: bool}
  twice: {type: derived, value: "2 * n_kv"}
symbols:
  kv_bytes: {params: [n_kv, dtype], returns: int}
equations:
  per_token:
    formula: "kv_bytes = 2 * n_kv * sizeof(dtype)"
  law:
    formula: "dtype == 'f61' => kv_bytes > 0"
proof_obligations:
  - id: KV-T-001
    type: invariant
    property: "positive"
    check: "kv_bytes(n_kv=S) > flag + 1"
    given: {S: n_kv}
falsification_tests:
  - id: FALSIFY-T-001
    rule: "r"
    obligation: KV-T-001
    check: "kv_bytes(n_kv='x') > 0"
  - id: FALSIFY-T-002
    rule: "r"
    obligation: KV-T-001
    check: "kv_bytes * 2"
'''


def load(tmp_path: Path, text: str):
    path = tmp_path / "typo-v1.yaml"
    path.write_text(text, encoding="utf-8")
    contract_set = load_set([str(path)])
    return contract_set, contract_set.requested_contracts()[0]


def test_type_mistakes_are_kv409_at_their_position(tmp_path):
    contract_set, contract = load(tmp_path, CONTRACT)
    found = [(d.code, d.pos.line, d.pos.col, d.message) for d in check_contract_types(contract, contract_set)]
    assert [(code, line, col) for code, line, col, _ in found] == [
        ("KV409", 13, 44), ("KV409", 15, 24), ("KV409", 20, 32), ("KV409", 26, 27), ("KV409", 30, 13),
    ]
    messages = [m for *_, m in found]
    assert "sizeof() does not know dtype 'int4'" in messages[0]
    assert "'f61' is not a value of dtype" in messages[1] and "did you mean 'f16'?" in messages[1]
    assert "arithmetic '+' on a bool" in messages[2]
    assert "parameter 'n_kv' is int, got str" in messages[3]
    assert messages[4] == "FALSIFY-T-002 evaluates to int, not true/false"


def test_clean_contract_has_no_type_findings(tmp_path):
    clean = CONTRACT.replace("int4", "int8").replace("'f61'", "'f16'").replace("flag + 1", "1")
    clean = clean.replace("n_kv='x'", "n_kv=1").replace("kv_bytes * 2", "kv_bytes * 2 > 0")
    contract_set, contract = load(tmp_path, clean)
    assert check_contract_types(contract, contract_set) == []


def test_signatures_and_derived_variable_types(tmp_path):
    _, contract = load(tmp_path, CONTRACT)
    var_types = contract_variable_types([contract])
    assert var_types["twice"] == INT
    functions = contract_signatures([contract], var_types)
    assert functions["kv_bytes"].params == ("n_kv", "dtype") and functions["kv_bytes"].result == INT
    assert functions["per_token"].result == INT
    assert functions["law"].result.kind == "bool"


def test_shipped_contract_is_type_clean():
    root = Path(__file__).resolve().parents[2]
    contract_set = load_set([str(root / "contracts" / "kv-cache-sizing-v1.yaml")])
    for contract in contract_set.requested_contracts():
        assert check_contract_types(contract, contract_set) == []
    assert list_of(INT).elem == INT
