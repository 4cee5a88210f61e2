"""YAML with marks: positions, YAML 1.2 scalars, duplicate keys, alias bombs, bad files."""
from __future__ import annotations

import math
import tracemalloc

import pytest

from kvcontract.contract.yaml_load import MAX_NODES, YMap, YScalar, load_yaml, to_plain
from kvcontract.diagnostics import BadInput

from .samples import line_col, write


def _only_diag(path):
    with pytest.raises(BadInput) as info:
        load_yaml(path)
    return info.value.diagnostics


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1e-5", 1e-5),
        ("1E3", 1000.0),
        (".5", 0.5),
        ("+1.0", 1.0),
        ("-2.5e+2", -250.0),
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("0o17", 15),
        ("true", True),
        ("False", False),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("~", None),
        ("null", None),
        ("2026-02-18", "2026-02-18"),
        ("'1e-5'", "1e-5"),
        ("1_000", "1_000"),
    ],
)
def test_yaml_12_scalar_resolution(tmp_path, text, expected):
    root = load_yaml(write(tmp_path, f"value: {text}\n"))
    value = to_plain(root)["value"]
    assert value == expected and type(value) is type(expected)


def test_special_floats(tmp_path):
    value = to_plain(load_yaml(write(tmp_path, "a: .inf\nb: -.Inf\nc: .nan\n")))
    assert value["a"] == math.inf and value["b"] == -math.inf and math.isnan(value["c"])


def test_positions_of_plain_quoted_and_block_scalars(tmp_path):
    text = 'a:\n  plain: x + 1\n  quoted: "y + 2"\n  block: |\n    first\n      second\n'
    root = load_yaml(write(tmp_path, text))
    inner = root.get("a")
    assert isinstance(inner, YMap)
    plain, quoted, block = inner.get("plain"), inner.get("quoted"), inner.get("block")
    assert (plain.text.pos.line, plain.text.pos.col) == line_col(text, "x + 1")
    # inside the quotes: the first character of the value, not the quote
    assert (quoted.text.pos.line, quoted.text.pos.col) == line_col(text, "y + 2")
    # offset of 'c' in "second" (value line 2 keeps its two extra spaces)
    offset = block.value.index("second")
    pos = block.text.pos_at(offset)
    assert (pos.line, pos.col) == line_col(text, "second")


def test_folded_block_scalar_paragraph_starts(tmp_path):
    text = "f: >\n  alpha\n  beta\n\n  gamma\n"
    value = load_yaml(write(tmp_path, text)).get("f")
    assert value.value == "alpha beta\ngamma\n"
    pos = value.text.pos_at(value.value.index("gamma"))
    assert (pos.line, pos.col) == line_col(text, "gamma")


def test_duplicate_key_is_error_at_second_key(tmp_path):
    text = "metadata:\n  version: '1'\n  description: x\n  version: '2'\n"
    diags = _only_diag(write(tmp_path, text))
    assert [d.code for d in diags] == ["KV101"]
    assert (diags[0].pos.line, diags[0].pos.col) == line_col(text, "version", 2)
    assert "line 2" in diags[0].message


def test_every_duplicate_key_reported(tmp_path):
    text = "a: 1\na: 2\nb:\n  c: 1\n  c: 2\n"
    assert [d.code for d in _only_diag(write(tmp_path, text))] == ["KV101", "KV101"]


def test_syntax_error_has_problem_mark(tmp_path):
    text = "metadata:\n  version: '1.0'\n  description: [unclosed\nequations: {}\n"
    diags = _only_diag(write(tmp_path, text))
    assert diags[0].code == "KV100"
    assert diags[0].pos.line == 4 and diags[0].pos.col >= 1
    assert "YAML syntax error" in diags[0].message


def test_bad_indentation_syntax_error(tmp_path):
    text = "a:\n  b: 1\n c: 2\n"
    diags = _only_diag(write(tmp_path, text))
    assert diags[0].code == "KV100" and diags[0].pos.line == 3


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_rejected_without_expansion(tmp_path):
    path = write(tmp_path, BOMB)
    tracemalloc.start()
    try:
        diags = _only_diag(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [d.code for d in diags] == ["KV103"]
    assert f"{MAX_NODES:,}" in diags[0].message
    # 9**9 strings would be gigabytes; the check itself stays small
    assert peak < 20 * 1024 * 1024


def test_aliases_within_budget_are_expanded(tmp_path):
    root = load_yaml(write(tmp_path, "base: &b {min: 1, max: 4}\nother: *b\n"))
    assert to_plain(root) == {"base": {"min": 1, "max": 4}, "other": {"min": 1, "max": 4}}


def test_recursive_alias_rejected(tmp_path):
    diags = _only_diag(write(tmp_path, "a: &a [1, *a]\n"))
    assert diags[0].code == "KV103"


def test_unsupported_tag_rejected(tmp_path):
    diags = _only_diag(write(tmp_path, "a: !!python/object:os.system ls\n"))
    assert diags[0].code == "KV104" and diags[0].pos.line == 1


def test_explicit_str_tag_keeps_string(tmp_path):
    assert to_plain(load_yaml(write(tmp_path, "a: !!str 123\n"))) == {"a": "123"}


def test_not_utf8(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    diags = _only_diag(str(path))
    assert diags[0].code == "KV102" and (diags[0].pos.line, diags[0].pos.col) == (2, 7)


def test_missing_file_and_directory(tmp_path):
    assert _only_diag(str(tmp_path / "nope.yaml"))[0].code == "KV102"
    assert "directory" in _only_diag(str(tmp_path))[0].message


def test_empty_file_is_none(tmp_path):
    assert load_yaml(write(tmp_path, "")) is None
    assert load_yaml(write(tmp_path, "# only a comment\n")) is None


def test_keys_keep_positions(tmp_path):
    root = load_yaml(write(tmp_path, "a: 1\nbb: 2\n"))
    key, value = root.items[1]
    assert isinstance(key, YScalar) and (key.pos.line, key.pos.col) == (2, 1)
    assert (value.pos.line, value.pos.col) == (2, 5)
