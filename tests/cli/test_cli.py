"""The CLI through main(argv): exit codes, diagnostics with positions, never a traceback."""
from __future__ import annotations

import pytest

from kvcontract.cli import main
from tests.contract.samples import ANCHOR_DIR, VALID, line_col, write


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


def test_validate_clean_contract_exits_0(tmp_path, capsys):
    code, out, err = run(capsys, "validate", write(tmp_path, VALID))
    assert code == 0 and "1 file(s): 0 error(s), 0 warning(s)" in out and err == ""


def test_validate_anchor_findings_exit_1(capsys):
    code, out, err = run(capsys, "validate", str(ANCHOR_DIR / "kv-cache-sizing-v1.yaml"))
    assert code == 1
    assert "kv-cache-sizing-v1.yaml:102:17: error KV401: KANI-KV-001 names obligation 'KV-INV-001'" in err
    assert "kv-cache-sizing-v1.yaml:114:7: error KV406: gate check 'per_token_bytes'" in err
    assert "kv-cache-sizing-v1.yaml:115:7: error KV406: gate check 'total_monotonic'" in err
    # source line and caret under the reference
    assert "        obligation: KV-INV-001\n                    ^" in err
    assert "warning KV121" in err


def test_validate_no_warnings_flag(capsys):
    code, out, err = run(capsys, "validate", "--no-warnings", str(ANCHOR_DIR))
    assert code == 1 and "warning" not in err and "error KV401" in err


def test_validate_warnings_alone_do_not_fail(tmp_path, capsys):
    text = VALID.replace('    formula: "kv_total = S * kv_bytes"', '    formula: "kv_total = S * kv_bytes when cached"')
    code, out, err = run(capsys, "validate", write(tmp_path, text))
    assert code == 0 and "warning KV301" in err


def test_malformed_yaml_exit_2_with_position(tmp_path, capsys):
    text = "metadata:\n  version: '1'\n  description: [oops\n"
    path = write(tmp_path, text)
    code, out, err = run(capsys, "validate", path)
    assert code == 2 and f"{path}:4:1: error KV100: YAML syntax error" in err


def test_unknown_key_suggestion_exit_2(tmp_path, capsys):
    text = VALID.replace("    bound: 4", "    bonud: 4")
    path = write(tmp_path, text)
    line, col = line_col(text, "bonud")
    code, out, err = run(capsys, "validate", path)
    assert code == 2
    assert f"{path}:{line}:{col}: error KV110: unknown key 'bonud' in harness KANI-T-001" in err
    assert "hint: did you mean 'bound'?" in err


def test_duplicate_key_exit_2(tmp_path, capsys):
    text = VALID.replace('  description: "A tiny sizing contract"\n',
                         '  description: "A tiny sizing contract"\n  description: "again"\n')
    path = write(tmp_path, text)
    code, out, err = run(capsys, "validate", path)
    assert code == 2 and f"{path}:4:3: error KV101: duplicate key 'description'" in err


def test_broken_check_exact_column(tmp_path, capsys):
    text = VALID.replace('check: "kv_bytes > 0"', 'check: "kv_bytes > 0 and (n_kv"')
    path = write(tmp_path, text)
    line, col = line_col(text, '"kv_bytes > 0 and (n_kv"')
    code, out, err = run(capsys, "validate", path)
    # the parser blames the unclosed parenthesis itself
    assert code == 2 and f"{path}:{line}:{col + 1 + len('kv_bytes > 0 and ')}: error KV201" in err


def test_alias_bomb_exit_2(tmp_path, capsys):
    from tests.contract.test_yaml_load import BOMB

    code, out, err = run(capsys, "validate", write(tmp_path, BOMB))
    assert code == 2 and "KV103" in err


@pytest.mark.parametrize("kind", ["missing", "directory-empty", "not-utf8", "empty"])
def test_bad_paths_exit_2(tmp_path, capsys, kind):
    if kind == "missing":
        target = str(tmp_path / "nope.yaml")
    elif kind == "directory-empty":
        target = str(tmp_path)
    elif kind == "not-utf8":
        (tmp_path / "x.yaml").write_bytes(b"\xff\xfe\x00junk")
        target = str(tmp_path / "x.yaml")
    else:
        target = write(tmp_path, "")
    code, out, err = run(capsys, "validate", target)
    assert code == 2 and err.strip()


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate"], ["graph", "x", "--format", "svg"], ["--bogus"]])
def test_usage_errors_return_2_without_systemexit(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and "error" in err


def test_help_returns_0(capsys):
    code, out, err = run(capsys, "--help")
    assert code == 0 and "validate" in out


def test_float_1e5_loads_as_number(tmp_path, capsys):
    text = VALID.replace('    check: "kv_bytes > 0"\n', '    check: "kv_bytes > 0"\n    tolerance: 1e-5\n')
    code, out, err = run(capsys, "validate", write(tmp_path, text))
    assert code == 0, err


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "kvcontract", "validate", write(tmp_path, VALID)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "0 error(s)" in result.stdout


def test_unexpected_exception_is_one_line_internal_error(monkeypatch, capsys):
    import kvcontract.render.graph as graph_module

    def broken(_contract_set):
        raise RuntimeError("boom")

    monkeypatch.setattr(graph_module, "list_contracts", broken)
    assert main(["list", str(ANCHOR_DIR)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "kvcontract: internal error in 'list': RuntimeError: boom"


def test_graph_output_file(tmp_path, capsys):
    out = tmp_path / "graph.json"
    assert main(["graph", str(ANCHOR_DIR), "--format", "json", "-o", str(out)]) == 0
    assert '"kv-cache-sizing-v1"' in out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"wrote {out}\n"
