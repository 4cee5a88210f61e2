"""Schema rules: every error of a file at its exact line and column, all reported at once."""
from __future__ import annotations

import pytest

from kvcontract.contract.load import load_contract, load_with_diagnostics
from kvcontract.diagnostics import BadInput
from kvcontract.expr.nodes import Implies, Name

from .samples import ANCHOR_DIR, VALID, line_col, write


def _diags(tmp_path, text):
    contract, diags = load_with_diagnostics(write(tmp_path, text))
    return contract, diags


def _codes(diags, severity="error"):
    return [d.code for d in diags if d.severity == severity]


def test_valid_contract_builds_everything(tmp_path):
    contract = load_contract(write(tmp_path, VALID))
    assert contract.id == "tiny-v1"
    assert set(contract.variables) == {"n_kv", "d_k", "S", "dtype"}
    per_token = contract.equations["per_token"]
    assert per_token.defines == "kv_bytes" and per_token.params == ("n_kv", "d_k", "dtype")
    assert per_token.examples[0].expect == 512 and per_token.examples[0].has_expect
    mono = contract.obligation("T-MON-001")
    assert isinstance(mono.check, Implies)
    assert mono.given["S1"] is contract.variables["S"].domain
    assert contract.harnesses[0].bound == 4 and contract.harnesses[0].strategy == "bounded_int"
    assert [c.name for c in contract.gate.checks] == ["per_token", "T-MON-001", "FALSIFY-T-001"]


def test_params_of_non_symbol_definition_are_free_variables_in_order(tmp_path):
    text = VALID.replace("  total:\n", "  page:\n    formula: \"elems = bs * d_k * n_kv\"\n  total:\n")
    contract, diags = _diags(tmp_path, text)
    assert contract.equations["page"].params == ("bs", "d_k", "n_kv")
    # a bare reference to another definition is a call, not a parameter
    assert contract.equations["total"].params == ("S", "n_kv", "d_k", "dtype")


def test_unknown_key_with_suggestion(tmp_path):
    text = VALID.replace("    property: \"bytes positive\"", "    propertty: \"bytes positive\"")
    contract, diags = _diags(tmp_path, text)
    unknown = [d for d in diags if d.code == "KV110"]
    assert len(unknown) == 1
    assert (unknown[0].pos.line, unknown[0].pos.col) == line_col(text, "propertty")
    assert unknown[0].hint == "did you mean 'property'?"
    # the missing required key is reported too, in the same run
    assert "KV111" in _codes(diags)


def test_broken_check_points_at_exact_character(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_bytes > > 0"')
    contract, diags = _diags(tmp_path, text)
    errors = [d for d in diags if d.code == "KV201"]
    assert len(errors) == 1
    line, col = line_col(text, "> > 0")
    assert (errors[0].pos.line, errors[0].pos.col) == (line, col + 2)


def test_broken_check_in_block_scalar_points_at_file_line(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', "check: |\n      kv_bytes > 0 and\n      n_kv >= )")
    contract, diags = _diags(tmp_path, text)
    error = next(d for d in diags if d.code == "KV201")
    line, col = line_col(text, "n_kv >= )")
    assert (error.pos.line, error.pos.col) == (line, col + len("n_kv >= "))


def test_prose_formula_is_warning_and_formal_is_used_when_no_check(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'formal: "kv_bytes > 0"').replace(
        '    formula: "kv_total = S * kv_bytes"', '    formula: "kv_total = S * kv_bytes when cached"')
    contract, diags = _diags(tmp_path, text)
    assert "KV301" in _codes(diags, "warning") and not _codes(diags)
    assert contract.equations["total"].expr is None and contract.equations["total"].parse_error
    inv = contract.obligation("T-INV-001")
    assert inv.check is not None and inv.check_text.text == "kv_bytes > 0"


@pytest.mark.parametrize(
    "old, new, code, needle",
    [
        ("bound: 4", "bound: -1", "KV114", "-1"),
        ("bound: 4", "bound: 2.5", "KV112", "2.5"),
        ("bound: 4", "bound: [4]", "KV112", "[4]"),
        ("strategy: bounded_int", "strategy: bounded", "KV113", "bounded\n"),
        ("type: monotonicity", "type: monotonic", "KV113", "monotonic\n"),
        ("{type: int, min: 1, max: 64}", "{type: integer, min: 1, max: 64}", "KV113", "integer"),
        ("{type: int, min: 1, max: 64}", "{type: int, min: 1.5, max: 64}", "KV112", "1.5"),
        ("{type: int, min: 1, max: 64}", "{type: int, min: 1}", "KV111", "{type: int, min: 1}"),
        ("given: {S1: S, S2: S}", "given: {S1: S, S2: SS}", "KV115", "SS}"),
        ("given: {S1: S, S2: S}", "given: [S1, S2]", "KV112", "[S1, S2]"),
        ("returns: int}\n  kv_total", "returns: integer}\n  kv_total", "KV113", "integer"),
    ],
)
def test_type_and_enum_errors(tmp_path, old, new, code, needle):
    assert old in VALID
    text = VALID.replace(old, new, 1)
    contract, diags = _diags(tmp_path, text)
    hits = [d for d in diags if d.code == code]
    assert hits, diags
    assert (hits[0].pos.line, hits[0].pos.col) == line_col(text, needle)


def test_enum_error_lists_allowed_values(tmp_path):
    contract, diags = _diags(tmp_path, VALID.replace("strategy: bounded_int", "strategy: bmc"))
    message = next(d.message for d in diags if d.code == "KV113")
    assert "exhaustive, bounded_int, stub_float, compositional" in message


def test_non_numeric_tolerance(tmp_path):
    text = VALID.replace('    check: "kv_bytes > 0"\n', '    check: "kv_bytes > 0"\n    tolerance: small\n')
    contract, diags = _diags(tmp_path, text)
    error = next(d for d in diags if d.code == "KV112")
    assert "tolerance" in error.message and (error.pos.line, error.pos.col) == line_col(text, "small")


def test_all_errors_reported_in_one_run(tmp_path):
    text = (VALID.replace("bound: 4", "bound: -1")
            .replace('check: "kv_bytes > 0"', 'check: "kv_bytes >"')
            .replace("rule: \"positive\"", "rul: \"positive\""))
    contract, diags = _diags(tmp_path, text)
    assert {"KV114", "KV201", "KV110", "KV111"} <= set(_codes(diags))
    with pytest.raises(BadInput) as info:
        load_contract(write(tmp_path, text))
    assert len(info.value.diagnostics) >= 4


def test_kvcontract_file_requires_obligation_ids(tmp_path):
    text = VALID.replace("  - id: T-INV-001\n    type: invariant", "  - type: invariant")
    contract, diags = _diags(tmp_path, text)
    error = next(d for d in diags if d.code == "KV120")
    assert error.severity == "error" and error.pos.line == line_col(text, "- type: invariant")[0]


def test_legacy_missing_ids_are_warnings(tmp_path):
    contract, diags = load_with_diagnostics(str(ANCHOR_DIR / "kv-cache-sizing-v1.yaml"))
    assert contract is not None and not _codes(diags)
    assert _codes(diags, "warning").count("KV121") == 6
    assert all(ob.id == "" for ob in contract.obligations)


@pytest.mark.parametrize("name", sorted(p.name for p in ANCHOR_DIR.glob("*.yaml")))
def test_anchor_files_load_without_errors(name):
    contract, diags = load_with_diagnostics(str(ANCHOR_DIR / name))
    assert contract is not None and not _codes(diags)
    assert contract.id == name.removesuffix(".yaml")
    assert contract.gate is not None and contract.falsification_tests


def test_anchor_legacy_definitions_are_recognised():
    contract = load_contract(str(ANCHOR_DIR / "kv-cache-sizing-v1.yaml"))
    assert contract.equations["per_token_per_layer"].defines == "kv_bytes"
    assert contract.equations["zero_input_identity"].expr is None
    assert isinstance(contract.equations["per_token_per_layer"].expr.left, Name)


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "KV104"),
        ("- a\n- b\n", "KV112"),
        ("just a string\n", "KV112"),
        ("equations: {}\n", "KV111"),
    ],
)
def test_bad_documents(tmp_path, text, code):
    contract, diags = _diags(tmp_path, text)
    assert code in _codes(diags)
    with pytest.raises(BadInput):
        load_contract(write(tmp_path, text))


def test_examples_reserved_keys(tmp_path):
    text = VALID.replace("{n_kv: 2, d_k: 64, dtype: f16, expect: 512}",
                         "{n_kv: 2, d_k: 64, dtype: f16, expect: 512, holds: false, note: why}")
    example = load_contract(write(tmp_path, text)).equations["per_token"].examples[0]
    assert example.inputs == {"n_kv": 2, "d_k": 64, "dtype": "f16"}
    assert example.holds is False and example.note == "why"


def test_float_domain_with_scientific_bounds(tmp_path):
    text = VALID.replace("  dtype: {type: enum", "  eps: {type: float, min: 1e-9, max: 1e-1, exclusive_min: true}\n"
                         "  dtype: {type: enum")
    eps = load_contract(write(tmp_path, text)).variables["eps"].domain
    assert eps.min.value == 1e-9 and eps.max.value == 0.1 and eps.exclusive_min and not eps.allow_nan
