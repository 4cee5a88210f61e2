"""Cross-reference rules, each shown to fire on a broken file and stay quiet on a good one."""
from __future__ import annotations

import pytest

from kvcontract.contract.repository import load_set
from kvcontract.contract.validate import validate

from .samples import ANCHOR_DIR, VALID, line_col, write


def _findings(tmp_path, text, name="tiny-v1.yaml", search_path=()):
    path = write(tmp_path, text, name)
    contract_set = load_set([path], search_path=search_path)
    assert not [d for d in contract_set.diagnostics if d.severity == "error"], contract_set.diagnostics
    return validate(contract_set)


def _errors(diags, code):
    return [d for d in diags if d.code == code and d.severity == "error"]


def test_valid_contract_has_no_findings(tmp_path):
    assert _findings(tmp_path, VALID) == []


def test_anchor_sizing_dangling_harness_and_gate_checks():
    contract_set = load_set([str(ANCHOR_DIR / "kv-cache-sizing-v1.yaml")])
    diags = validate(contract_set)
    kv401 = _errors(diags, "KV401")
    assert len(kv401) == 1
    assert "KANI-KV-001" in kv401[0].message and "'KV-INV-001'" in kv401[0].message
    assert (kv401[0].pos.line, kv401[0].pos.col) == (102, 17)
    kv406 = _errors(diags, "KV406")
    assert [d.message.split("'")[1] for d in kv406] == ["per_token_bytes", "total_monotonic"]
    assert [(d.pos.line, d.pos.col) for d in kv406] == [(114, 7), (115, 7)]
    assert kv406[0].hint == "did you mean 'per_token_per_layer'?"
    # the gate's "All 6 falsification tests" is right for this file
    assert not _errors(diags, "KV407")
    # legacy tests without an obligation are warnings, not errors
    assert {d.severity for d in diags if d.code == "KV402"} == {"warning"}
    # depends_on model-config-algebra-v1 resolves in the same directory
    assert not _errors(diags, "KV404")


def test_kv401_harness_obligation(tmp_path):
    text = VALID.replace("  - id: KANI-T-001\n    obligation: T-INV-001", "  - id: KANI-T-001\n    obligation: T-INV-01")
    [error] = _errors(_findings(tmp_path, text), "KV401")
    assert (error.pos.line, error.pos.col) == line_col(text, "T-INV-01\n")
    assert error.hint == "did you mean 'T-INV-001'?"


def test_kv402_test_without_obligation_is_error_in_kvcontract_file(tmp_path):
    text = VALID.replace("    rule: \"positive\"\n    obligation: T-INV-001\n", "    rule: \"positive\"\n")
    [error] = _errors(_findings(tmp_path, text), "KV402")
    assert error.pos.line == line_col(text, "- id: FALSIFY-T-001")[0]


def test_kv402_test_names_unknown_obligation(tmp_path):
    text = VALID.replace("obligation: T-MON-001", "obligation: T-MON-002")
    [error] = _errors(_findings(tmp_path, text), "KV402")
    assert (error.pos.line, error.pos.col) == line_col(text, "T-MON-002")


def test_kv403_duplicate_ids_within_contract(tmp_path):
    text = VALID.replace("- id: FALSIFY-T-002", "- id: FALSIFY-T-001")
    [error] = _errors(_findings(tmp_path, text), "KV403")
    assert error.pos.line == line_col(text, "- id: FALSIFY-T-001", 2)[0]


def test_kv403_duplicate_ids_across_contracts(tmp_path):
    write(tmp_path, VALID, "a-v1.yaml")
    write(tmp_path, VALID.replace("T-MON-001", "U-MON-001").replace("FALSIFY-T-00", "FALSIFY-U-00")
          .replace("KANI-T-001", "KANI-U-001"), "b-v1.yaml")
    diags = validate(load_set([str(tmp_path)]))
    ids = sorted(d.message.split("'")[1] for d in _errors(diags, "KV403"))
    assert ids == ["T-INV-001"]
    assert _errors(diags, "KV403")[0].pos.file.endswith("b-v1.yaml")


def test_kv404_unresolved_dependency_and_search_path(tmp_path):
    text = VALID.replace('  references: ["seed 000"]', '  references: ["seed 000"]\n  depends_on: [base-v1]')
    [error] = _errors(_findings(tmp_path, text), "KV404")
    assert (error.pos.line, error.pos.col) == line_col(text, "base-v1")
    other = tmp_path / "lib"
    other.mkdir()
    write(other, 'metadata: {version: "1", description: base}\n', "base-v1.yaml")
    assert not _errors(_findings(tmp_path, text, search_path=[str(other)]), "KV404")


def test_kv405_dependency_cycle(tmp_path):
    write(tmp_path, 'metadata: {version: "1", description: a, depends_on: [b-v1]}\n', "a-v1.yaml")
    write(tmp_path, 'metadata: {version: "1", description: b, depends_on: [a-v1]}\n', "b-v1.yaml")
    diags = validate(load_set([str(tmp_path / "a-v1.yaml")]))
    [error] = _errors(diags, "KV405")
    assert "a-v1 -> b-v1 -> a-v1" in error.message
    write(tmp_path, 'metadata: {version: "1", description: b}\n', "b-v1.yaml")
    assert not _errors(validate(load_set([str(tmp_path / "a-v1.yaml")])), "KV405")


def test_kv406_gate_check_kinds(tmp_path):
    text = VALID.replace("checks: [per_token, T-MON-001, FALSIFY-T-001]",
                         "checks: [per_token, kv_bytes, T-MON-001, FALSIFY-T-001, KANI-T-001, nothing]")
    [error] = _errors(_findings(tmp_path, text), "KV406")
    assert (error.pos.line, error.pos.col) == line_col(text, "nothing")


@pytest.mark.parametrize(
    "criteria, bad",
    [
        ("All 2 falsification tests pass", False),
        ("All 3 falsification tests pass", True),
        ("All 1 harnesses verified", False),
        ("All 2 Kani harnesses verified", True),
        ("All 2 proof obligations hold", False),
        ("All 3 checks pass", False),
        ("All 4 checks pass", True),
        ("Every falsification test passes", False),
        ("All two falsification tests pass", False),
        ("All six falsification tests pass", True),
        ("2/2 falsification tests pass", False),
        ("6/6 falsification tests pass", True),
        ("2 of 2 tests pass", False),
        ("all 6 of the tests pass", True),
    ],
)
def test_kv407_counts(tmp_path, criteria, bad):
    text = VALID.replace("All 2 falsification tests pass", criteria)
    errors = _errors(_findings(tmp_path, text), "KV407")
    assert bool(errors) == bad
    if bad:
        number = next(w for w in criteria.replace("/", " ").split() if w[0].isdigit() or w in ("six",))
        assert (errors[0].pos.line, errors[0].pos.col) == line_col(text, f"{number} ", 1 + VALID.count(f"{number} ", 0, VALID.index("pass_criteria")))


@pytest.mark.parametrize("criteria, warned", [
    ("6 falsification tests pass", True), ("Two tests pass", False), ("at least 3 checks pass", False),
    ("one harness per obligation", False), ("five obligations hold", True),
])
def test_kv407_unverifiable_counts_warn_when_they_differ(tmp_path, criteria, warned):
    text = VALID.replace("All 2 falsification tests pass", criteria)
    found = [d for d in _findings(tmp_path, text) if d.code == "KV407"]
    assert all(d.severity == "warning" for d in found)
    assert bool(found) == warned
    if warned:
        assert "cannot be verified" in found[0].message


def test_kv408_undeclared_name_with_suggestion(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_bytes > 0 and n_kvv > 0"')
    [error] = _errors(_findings(tmp_path, text), "KV408")
    assert (error.pos.line, error.pos.col) == line_col(text, "n_kvv")
    assert error.hint == "did you mean 'n_kv'?"


def test_kv408_unknown_function_and_generator_vars(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "all(t > 0 for t in [n_kv, d_k]) and sizof(dtype) > 0"')
    [error] = _errors(_findings(tmp_path, text), "KV408")
    assert "sizof" in error.message and error.hint == "did you mean 'sizeof'?"


def test_kv408_given_names_visible_in_tests(tmp_path):
    text = VALID.replace("    rule: \"monotonic\"\n", "    rule: \"monotonic\"\n    check: \"S1 <= S2 or S2 < S1\"\n")
    assert not _errors(_findings(tmp_path, text), "KV408")


def test_kv408_example_input(tmp_path):
    text = VALID.replace("{n_kv: 2, d_k: 64, dtype: f16, expect: 512}", "{n_kv: 2, dk: 64, dtype: f16, expect: 512}")
    [error] = _errors(_findings(tmp_path, text), "KV408")
    assert "'dk'" in error.message


def test_kv411_call_arguments(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_total(T=1) > 0 and sizeof(dtype, 2) > 0"')
    errors = _errors(_findings(tmp_path, text), "KV411")
    assert len(errors) == 2 and "no parameter 'T'" in errors[0].message


def test_kv410_symbol_params_declared(tmp_path):
    text = VALID.replace("kv_bytes: {params: [n_kv, d_k, dtype]", "kv_bytes: {params: [n_kv, dk, dtype]")
    errors = _errors(_findings(tmp_path, text), "KV410")
    assert errors and errors[0].pos.line == line_col(text, "kv_bytes: {params")[0]


@pytest.mark.parametrize(
    "old, new, code",
    [
        ("S: {type: int, min: 1, max: 4096}", "S: {type: int, min: 5000, max: 4096}", "KV210"),
        ("dtype: {type: enum, values: [f16, f32]}", "dtype: {type: enum, values: []}", "KV211"),
        ("S: {type: int, min: 1, max: 4096}",
         "S: {type: int, min: 1, max: 4096}\n  xs: {type: list, of: {type: int, min: 0, max: 1}, max_len: 20000}",
         "KV212"),
        ("S: {type: int, min: 1, max: 4096}",
         "S: {type: int, min: 1, max: 4096}\n  W: {type: array, shape: [S, dtype], min: 0.0, max: 1.0}", "KV213"),
        ("S: {type: int, min: 1, max: 4096}",
         "S: {type: int, min: 1, max: T}\n  T: {type: int, min: S, max: 4096}", "KV214"),
    ],
)
def test_domain_rules(tmp_path, old, new, code):
    assert old in VALID
    assert _errors(_findings(tmp_path, VALID.replace(old, new)), code)


def test_dependent_bound_without_cycle_is_fine(tmp_path):
    text = VALID.replace("S: {type: int, min: 1, max: 4096}",
                         "S: {type: int, min: 1, max: 4096}\n  kv_len: {type: int, min: 0, max: S}")
    assert _findings(tmp_path, text) == []


def test_kv409_type_disagreement(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_bytes > 0 and dtype == 3"')
    [error] = _errors(_findings(tmp_path, text), "KV409")
    line, col = line_col(text, "dtype == 3")
    assert error.pos.line == line and col <= error.pos.col <= col + len("dtype == 3")


def test_kv409_quiet_on_agreeing_types(tmp_path):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_bytes > 0 and dtype == \'f16\' or n_kv * 1.5 > 0"')
    assert not _errors(_findings(tmp_path, text), "KV409")
