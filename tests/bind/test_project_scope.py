"""Project settings ([tool.kvcontract]) and the function table of a contract."""
from __future__ import annotations

import os

import numpy as np
import pytest

from kvcontract.bind.binding import load_binding_files, resolve_symbols
from kvcontract.bind.project import _minimal_kvcontract_table, find_project_root, load_project_config
from kvcontract.bind.scope import (SPEC_PREFIX, WrongReturnType, coerce_return, implementation_scope, returns_ok,
                                  spec_scope)
from kvcontract.contract.load import load_contract
from kvcontract.expr.concrete import ImplementationError, evaluate
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn

from run.kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace

PYPROJECT = """
[project]
name = "x"

[tool.kvcontract]
contracts = ["specs", "more"]   # a comment
bindings = ["bind/a.yaml", "bind/b.yaml"]
report_dir = "out"

[tool.other]
report_dir = "wrong"
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    return Workspace(tmp_path, monkeypatch)


def test_project_config_is_read_relative_to_the_root(ws):
    ws.write("pyproject.toml", PYPROJECT)
    ws.write("specs/deep/x.yaml", "")
    config = load_project_config(ws.path("specs/deep"))
    assert config.root == ws.root
    assert config.contracts == ("specs", "more")
    assert config.default_bindings() == [ws.path("bind/a.yaml"), ws.path("bind/b.yaml")]
    assert config.report_dir == ws.path("out")


def test_minimal_toml_reader_matches_tomllib():
    tomllib = pytest.importorskip("tomllib")

    expected = tomllib.loads(PYPROJECT)["tool"]["kvcontract"]
    assert _minimal_kvcontract_table(PYPROJECT) == expected


def test_default_binding_is_the_reference_file_when_present(ws):
    ws.write("pyproject.toml", "[project]\nname = 'x'\n")
    assert load_project_config(ws.root).default_bindings() == []
    ws.write("harnesses/reference.yaml", "")
    assert load_project_config(ws.root).default_bindings() == [ws.path("harnesses/reference.yaml")]
    assert find_project_root(ws.path("harnesses/reference.yaml")) == ws.root


@pytest.mark.parametrize("value, returns, ok", [
    (3, "int", True), (np.int64(3), "int", True), (True, "int", False), (3.0, "int", False),
    ("3", "int", False), (None, "int", False), (2.5, "float", True), (2, "float", True),
    (np.bool_(True), "bool", True), (1, "bool", False), ("a", "str", True),
    (["a", "b"], "list[str]", True), (["a", 1], "list[str]", False), ([1, 2], "list[int]", True),
    (np.zeros(3), "array", True), ([0.0], "array", False), (object(), "any", True),
])
def test_returns_ok(value, returns, ok):
    assert returns_ok(value, returns) is ok


def test_equation_names_are_formulas_and_bound_symbols_are_implementations(ws):
    contract = load_contract(ws.contract("c1", SIZING_CONTRACT))
    spec = spec_scope(contract)
    assert isinstance(spec.functions["kv_bytes"], EquationFn)
    assert isinstance(spec.functions["per_token"], EquationFn)
    assert isinstance(spec.functions[SPEC_PREFIX + "total"], EquationFn)
    mod = ws.module(SIZING_IMPL.replace("return 2 * n_kv", "return 3 * n_kv"))
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"}})
    scope = implementation_scope(contract, resolve_symbols(contract, load_binding_files([path])))
    assert isinstance(scope.functions["kv_bytes"], ImplFn)
    case = scope.with_values({"n_kv": 1, "d_k": 1, "dtype": "f16"})
    assert evaluate(parse_expr("kv_bytes(n_kv, d_k, dtype)"), case) == 6  # the (mutated) implementation
    assert evaluate(parse_expr("per_token(n_kv, d_k, dtype)"), case) == 4  # always the formula


def test_a_wrong_return_type_is_an_implementation_error(ws):
    contract = load_contract(ws.contract("c1", SIZING_CONTRACT))
    mod = ws.module(SIZING_IMPL + "\ndef as_str(n_kv, d_k, dtype):\n    return str(kv_bytes(n_kv, d_k, dtype))\n")
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:as_str", "kv_total": f"{mod}:kv_total"}})
    scope = implementation_scope(contract, resolve_symbols(contract, load_binding_files([path])))
    with pytest.raises(ImplementationError) as info:
        evaluate(parse_expr("kv_bytes(1, 1, 'f16')"), scope)
    assert isinstance(info.value.exception, WrongReturnType)
    assert "declared to return int" in str(info.value.exception)


def test_without_a_marker_the_contracts_directory_parent_is_the_root(tmp_path):
    (tmp_path / "proj" / "contracts").mkdir(parents=True)
    (tmp_path / "proj" / "harnesses").mkdir()
    (tmp_path / "proj" / "harnesses" / "reference.yaml").write_text("")
    config = load_project_config(str(tmp_path / "proj" / "contracts"))
    if os.path.exists("/tmp/pyproject.toml") or os.path.exists("/tmp/.git"):
        pytest.skip("a project marker above tmp_path")
    assert config.root == str(tmp_path / "proj")
    assert config.default_bindings() == [str(tmp_path / "proj" / "harnesses" / "reference.yaml")]


LIARS = """
import numpy as np

class AlwaysEqual(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__

class ClaimsNumber:
    def __int__(self):
        return 512
    def __eq__(self, other):
        return True

class EqualArray(np.ndarray):
    def __eq__(self, other):
        return True

def liar_int(n_kv, d_k, dtype):
    return AlwaysEqual(0)

def looks_numeric(n_kv, d_k, dtype):
    return ClaimsNumber()
"""


def test_returns_are_converted_to_exact_builtin_types(ws):
    contract = load_contract(ws.contract("c1", SIZING_CONTRACT))
    mod = ws.module(SIZING_IMPL + LIARS)
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:liar_int", "kv_total": f"{mod}:kv_total"}})
    scope = implementation_scope(contract, resolve_symbols(contract, load_binding_files([path])))
    # The int subclass's __eq__ would say 0 == 512; the contract sees a plain int 0.
    value = evaluate(parse_expr("kv_bytes(2, 64, 'f16')"), scope)
    assert type(value) is int and value == 0
    assert evaluate(parse_expr("kv_bytes(2, 64, 'f16') == 512"), scope) is False
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:looks_numeric", "kv_total": f"{mod}:kv_total"}}, "b2.yaml")
    scope = implementation_scope(contract, resolve_symbols(contract, load_binding_files([path])))
    with pytest.raises(ImplementationError) as info:
        evaluate(parse_expr("kv_bytes(2, 64, 'f16') == 512"), scope)
    assert isinstance(info.value.exception, WrongReturnType)


@pytest.mark.parametrize("value, returns, expected_type", [
    (np.int64(3), "int", int), (np.float32(1.5), "float", float), (np.bool_(True), "bool", bool),
    ((1, np.int64(2)), "list[int]", list),
])
def test_coerce_return_gives_builtin_types(value, returns, expected_type):
    assert type(coerce_return(value, returns)) is expected_type


def test_coerce_return_rejects_arrays_of_non_numbers_and_unwraps_subclasses():
    class EqualArray(np.ndarray):
        def __eq__(self, other):
            return True

    assert type(coerce_return(np.zeros(2).view(EqualArray), "array")) is np.ndarray
    for bad in (np.array(["a"]), np.array([object()])):
        with pytest.raises(WrongReturnType):
            coerce_return(bad, "array")
