"""validate checks explicit examples statically: types, domains, missing inputs, expect vs formula (KV413-KV416)."""
from __future__ import annotations

import textwrap

import pytest

from kvcontract.contract.repository import load_set
from kvcontract.contract.validate import validate

from .samples import VALID, line_col, write

EXAMPLES = textwrap.dedent(
    """\
    metadata:
      version: "1.0.0"
      description: "examples probe"
    variables:
      x: {type: int, min: 1, max: 100}
      y: {type: int, min: 1, max: x}
      group: {type: int, min: 1, max: 4}
      n_heads: {type: derived, value: "x * group"}
      dtype: {type: enum, values: [f16, f32]}
      flag: {type: bool}
      eps: {type: float, min: 0.0, max: 1.0, exclusive_min: true}
      layers: {type: list, of: {type: enum, values: [attention, mamba]}, min_len: 1, max_len: 3}
      W: {type: array, shape: [x, 2], min: -1.0, max: 1.0}
    symbols:
      g: {params: [x], returns: int}
      h: {params: [x, dtype], returns: int}
      impl_only: {params: [x], returns: int}
    equations:
      ident:
        formula: "g = x + 1"
        examples:
          - {x: 5, expect: 6}
      sized:
        formula: "h = x * sizeof(dtype)"
        examples:
          - {x: 3, dtype: f32, expect: 12}
      via_impl:
        formula: "total = impl_only(x) + 1"
        examples:
          - {x: 1, expect: 1000}
    proof_obligations:
      - id: E-INV-001
        type: invariant
        property: "p"
        check: "g(x) > x and y <= x"
        examples:
          - {x: 4, y: 2}
      - id: E-INV-004
        type: invariant
        property: "s"
        check: "n_heads >= x"
        examples:
          - {x: 4, group: 2}
      - id: E-INV-002
        type: invariant
        property: "q"
        check: "flag => h > 0"
        examples:
          - {x: 4, dtype: f16, flag: true}
      - id: E-INV-003
        type: invariant
        property: "r"
        check: "len(layers) > 0 and eps > 0 and all(W <= 1)"
        examples:
          - {layers: [attention], eps: 0.5, W: [[0.1, 0.2], [0.3, 0.4]], x: 2}
    falsification_tests:
      - {id: FALSIFY-E-001, rule: a, obligation: E-INV-001, examples: [{x: 3, y: 3}]}
    """
)


def _findings(tmp_path, text):
    path = write(tmp_path, text, "e-v1.yaml")
    found = validate(load_set([path]))
    assert not [d for d in found if d.severity == "error" and not d.code.startswith("KV4")], found
    return [d for d in found if d.code.startswith("KV4")]


def _one(tmp_path, old, new, code):
    assert old in EXAMPLES
    text = EXAMPLES.replace(old, new)
    found = _findings(tmp_path, text)
    assert [d.code for d in found] == [code], [str(d) for d in found]
    return found[0], text


def test_sound_examples_have_no_findings(tmp_path):
    assert _findings(tmp_path, EXAMPLES) == []


@pytest.mark.parametrize("old, new, needle, fragment", [
    ("{x: 5, expect: 6}", "{x: -3, expect: -2}", "-3", "below the domain's min 1"),
    ("{x: 4, y: 2}", "{x: 4, y: 7}", "7}", "above the domain's max x = 4"),
    ("{x: 4, dtype: f16, flag: true}", "{x: 4, dtype: f61, flag: true}", "f61", "not one of f16, f32"),
    ("layers: [attention], eps", "layers: [attention, mamba, mamba, mamba], eps", "[attention, mamba, mamba",
     "its length 4 is outside 1..3"),
    ("layers: [attention], eps", "layers: [attention, conv], eps", "[attention, conv]", "item 1 ('conv')"),
    ("eps: 0.5,", "eps: 0.0,", "0.0, W", "at or below the domain's exclusive min"),
    ("W: [[0.1, 0.2], [0.3, 0.4]]", "W: [[0.1, 0.2, 0.5], [0.3, 0.4, 0.5]]", "[[0.1, 0.2, 0.5]",
     "its shape is (2, 3), but the declared shape ['x', 2] is (2, 2) here"),
    ("W: [[0.1, 0.2], [0.3, 0.4]]", "W: [[0.1, 0.2], [0.3, 4.0]]", "[[0.1, 0.2], [0.3, 4.0]]", "above the domain's max"),
    ("{x: 4, group: 2}", "{x: 4, group: 2, n_heads: 9}", "9}", "its definition x * group gives 8"),
])
def test_kv413_value_outside_its_domain(tmp_path, old, new, needle, fragment):
    diag, text = _one(tmp_path, old, new, "KV413")
    assert fragment in diag.message
    assert (diag.pos.line, diag.pos.col) == line_col(text, needle)


@pytest.mark.parametrize("old, new, needle, fragment", [
    ("{x: 3, y: 3}", '{x: "abc", y: 3}', '"abc"', "'abc' (str), expected an integer"),
    ("{x: 3, y: 3}", "{x: 3.5, y: 3}", "3.5", "expected an integer"),
    ("dtype: f16, flag: true}", "dtype: f16, flag: 1}", "1}", "expected true or false"),
    ("dtype: f16, flag: true}", "dtype: 16, flag: true}", "16, flag", "expected a string"),
    ("layers: [attention], eps", "layers: attention, eps", "attention, eps", "expected a list"),
    ("W: [[0.1, 0.2], [0.3, 0.4]]", "W: [[0.1, a], [0.3, 0.4]]", "[[0.1, a]", "expected a (nested) list of numbers"),
])
def test_kv414_value_of_the_wrong_type(tmp_path, old, new, needle, fragment):
    diag, text = _one(tmp_path, old, new, "KV414")
    assert fragment in diag.message
    assert (diag.pos.line, diag.pos.col) == line_col(text, needle)


def test_kv415_missing_input_the_check_reads(tmp_path):
    diag, text = _one(tmp_path, "{x: 5, expect: 6}", "{expect: 6}", "KV415")
    assert "does not give 'x'" in diag.message
    assert (diag.pos.line, diag.pos.col) == line_col(text, "{expect: 6}")


def test_kv415_bare_symbol_reads_its_parameters(tmp_path):
    diag, _ = _one(tmp_path, "{x: 4, dtype: f16, flag: true}", "{x: 4, flag: true}", "KV415")
    assert "does not give 'dtype'" in diag.message


def test_kv415_derived_variable_needs_its_bases(tmp_path):
    # n_heads = x * group: the example gives x but neither group nor n_heads itself
    diag, text = _one(tmp_path, "{x: 4, group: 2}", "{x: 4}", "KV415")
    assert "does not give 'n_heads'" in diag.message and "derived from group" in diag.message
    assert (diag.pos.line, diag.pos.col) == line_col(text, "{x: 4}")


def test_kv415_derived_variable_given_itself_is_not_missing(tmp_path):
    assert _findings(tmp_path, EXAMPLES.replace("{x: 4, group: 2}", "{x: 4, n_heads: 8}")) == []


def test_kv416_expect_contradicts_the_formula(tmp_path):
    diag, text = _one(tmp_path, "{x: 5, expect: 6}", "{x: 5, expect: 7}", "KV416")
    assert "expects 7, but the formula g = x + 1 gives 6" in diag.message
    assert (diag.pos.line, diag.pos.col) == line_col(text, "7}")


def test_kv416_uses_builtins_and_enum_inputs(tmp_path):
    diag, _ = _one(tmp_path, "{x: 3, dtype: f32, expect: 12}", "{x: 3, dtype: f16, expect: 12}", "KV416")
    assert "gives 6" in diag.message


def test_formula_calling_an_implementation_only_symbol_is_not_evaluated(tmp_path):
    # via_impl's example expects 1000: only the implementation can say; validate runs none of it
    assert not [d for d in _findings(tmp_path, EXAMPLES) if d.code == "KV416"]


def test_beyond_domain_lifts_bounds_but_not_types_or_enums(tmp_path):
    text = EXAMPLES.replace("{x: 4, y: 2}", "{x: 400, y: 2, beyond_domain: true}")
    assert _findings(tmp_path, text) == []
    text = EXAMPLES.replace("{x: 4, dtype: f16, flag: true}", "{x: 4, dtype: f61, flag: true, beyond_domain: true}")
    assert [d.code for d in _findings(tmp_path, text)] == ["KV413"]


def test_kv408_unknown_example_input_points_at_its_key(tmp_path):
    text = VALID.replace("{n_kv: 2, d_k: 64, dtype: f16, expect: 512}", "{n_kv: 2, dk: 64, dtype: f16, expect: 512}")
    found = _findings(tmp_path, text)
    kv408 = [d for d in found if d.code == "KV408"]
    assert len(kv408) == 1 and (kv408[0].pos.line, kv408[0].pos.col) == line_col(text, "dk:")
    # and the input it should have given is missing
    assert [d.code for d in found if d.code != "KV408"] == ["KV415"]


def test_the_reviewers_probe(tmp_path):
    text = textwrap.dedent("""\
        metadata: {version: "1.0.0", description: "examples probe"}
        variables:
          x: {type: int, min: 1, max: 100}
        symbols:
          g: {params: [x], returns: int}
        equations:
          ident:
            formula: "g = x + 1"
            examples:
              - {x: 5, expect: 7}
              - {x: -3, expect: -2}
              - {expect: 6}
        proof_obligations:
          - {id: E-INV-001, type: invariant, property: p, check: "g(x) > x", examples: [{x: 1000}]}
        falsification_tests:
          - {id: FALSIFY-E-001, rule: a, obligation: E-INV-001, examples: [{x: "abc"}]}
        """)
    found = _findings(tmp_path, text)
    assert [(d.code, d.pos.line, d.severity) for d in found] == [
        ("KV416", 10, "error"), ("KV413", 11, "error"), ("KV415", 12, "error"), ("KV413", 14, "error"),
        ("KV414", 16, "error")]
