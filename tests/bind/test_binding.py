"""Binding files: loading, overrides, and every way a binding is rejected before anything runs."""
from __future__ import annotations

import pytest

from kvcontract.bind.binding import (
    load_binding_files,
    parse_bind_overrides,
    resolve_symbols,
    symbols_needed,
)
from kvcontract.contract.load import load_contract
from kvcontract.diagnostics import BadInput
from kvcontract.plan.planner import plan_contract

from run.kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace


@pytest.fixture
def ws(tmp_path, monkeypatch):
    return Workspace(tmp_path, monkeypatch)


def _codes(exc: BadInput) -> list[str]:
    return [d.code for d in exc.diagnostics]


def test_later_files_and_overrides_win_symbol_by_symbol(ws):
    first = ws.binding({"c": {"a": "m1:f", "b": "m1:g"}}, "one.yaml")
    second = ws.binding({"c": {"b": "m2:g"}}, "two.yaml")
    bindings = load_binding_files([first, second])
    assert bindings.for_contract("c")["a"].target == "m1:f"
    assert bindings.for_contract("c")["b"].target == "m2:g"
    assert bindings.for_contract("c")["b"].pos.file == second
    merged = bindings.merged(parse_bind_overrides(["c.a=m3:h"]))
    assert merged.for_contract("c")["a"].target == "m3:h"
    assert merged.for_contract("c")["b"].target == "m2:g"


def test_binding_positions_point_at_the_target(ws):
    path = ws.write("b.yaml", "c:\n  a: \"m:f\"\n")
    entry = load_binding_files([path]).for_contract("c")["a"]
    assert (entry.pos.line, entry.pos.col) == (2, 6)


@pytest.mark.parametrize("text, code", [
    ("c:\n  a: \"m:f\"\n  a: \"m:g\"\n", "KV603"),
    ("c:\n  a: \"not a target\"\n", "KV604"),
    ("c:\n  a: \"m:\"\n", "KV604"),
    ("- just a list\n", "KV602"),
    ("c: [1, 2]\n", "KV602"),
    ("c:\n  a: [\n", "KV601"),
])
def test_malformed_binding_files_are_bad_input(ws, text, code):
    path = ws.write("bad.yaml", text)
    with pytest.raises(BadInput) as info:
        load_binding_files([path])
    assert code in _codes(info.value)
    assert all(d.pos.file == path for d in info.value.diagnostics)


def test_missing_binding_file_is_bad_input(ws):
    with pytest.raises(BadInput) as info:
        load_binding_files([ws.path("nope.yaml")])
    assert _codes(info.value) == ["KV601"]


@pytest.mark.parametrize("text", ["kv_bytes=m:f", "c.kv_bytes", "c.kv_bytes=nomodule", ".x=m:f"])
def test_malformed_bind_overrides_are_bad_input(text):
    with pytest.raises(BadInput):
        parse_bind_overrides([text])


def _sizing(ws):
    path = ws.contract("c1", SIZING_CONTRACT)
    contract = load_contract(path)
    return contract, symbols_needed(contract, plan_contract(contract, None))


def test_good_binding_resolves_to_callables(ws):
    contract, needed = _sizing(ws)
    mod = ws.module(SIZING_IMPL)
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"}})
    impls = resolve_symbols(contract, load_binding_files([path]), needed=needed)
    assert set(impls) == {"kv_bytes", "kv_total"}
    assert impls["kv_bytes"].fn(2, 64, "f16") == 512
    assert impls["kv_total"].params == ("S", "n_kv", "d_k", "dtype")
    assert impls["kv_total"].target == f"{mod}:kv_total"


def test_a_used_symbol_without_binding_names_the_symbol(ws):
    contract, needed = _sizing(ws)
    mod = ws.module(SIZING_IMPL)
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes"}})
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([path]), needed=needed)
    (diag,) = info.value.diagnostics
    assert diag.code == "KV610" and "kv_total" in diag.message
    assert diag.pos.file == contract.path and diag.pos.line > 0
    assert path in diag.hint


@pytest.mark.parametrize("source, attr, code", [
    ("raise ImportError('broken dependency')\n", "kv_bytes", "KV611"),
    ("def kv_bytes(:\n", "kv_bytes", "KV611"),
    ("def kv_bytse(n_kv, d_k, dtype):\n    return 1\n", "kv_bytes", "KV612"),
    ("kv_bytes = 42\n", "kv_bytes", "KV613"),
    ("def kv_bytes(n_kv, d_k):\n    return 1\n", "kv_bytes", "KV614"),
])
def test_each_broken_binding_is_bad_input_at_its_line(ws, source, attr, code):
    contract, needed = _sizing(ws)
    good = ws.module(SIZING_IMPL)
    bad = ws.module(source, prefix="broken")
    path = ws.write("b.yaml", f'c1:\n  kv_total: "{good}:kv_total"\n  kv_bytes: "{bad}:{attr}"\n')
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([path]), needed=needed)
    (diag,) = info.value.diagnostics
    assert diag.code == code
    assert "kv_bytes" in diag.message
    assert (diag.pos.file, diag.pos.line) == (path, 3)


def test_missing_attribute_suggests_the_close_name(ws):
    contract, needed = _sizing(ws)
    bad = ws.module("def kv_bytse(n_kv, d_k, dtype):\n    return 1\ndef kv_total(S, n_kv, d_k, dtype):\n    return 1\n")
    path = ws.binding({"c1": {"kv_bytes": f"{bad}:kv_bytes", "kv_total": f"{bad}:kv_total"}})
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([path]), needed=needed)
    assert "kv_bytse" in info.value.diagnostics[0].message


def test_binding_an_undeclared_symbol_is_bad_input(ws):
    contract, needed = _sizing(ws)
    mod = ws.module(SIZING_IMPL)
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total",
                              "kv_totl": f"{mod}:kv_total"}})
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([path]), needed=needed)
    (diag,) = info.value.diagnostics
    assert diag.code == "KV615" and "kv_totl" in diag.message and "kv_total" in (diag.hint or "")


def test_all_binding_errors_are_reported_at_once(ws):
    contract, needed = _sizing(ws)
    path = ws.binding({"c1": {"kv_bytes": "no_such_module_xyz:f"}})
    with pytest.raises(BadInput) as info:
        resolve_symbols(contract, load_binding_files([path]), needed=needed)
    assert sorted(_codes(info.value)) == ["KV610", "KV611"]


def test_bindings_of_other_contracts_are_ignored(ws):
    contract, needed = _sizing(ws)
    mod = ws.module(SIZING_IMPL)
    path = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"},
                       "other": {"x": "no_such_module_xyz:f"}})
    assert set(resolve_symbols(contract, load_binding_files([path]), needed=needed)) == {"kv_bytes", "kv_total"}
