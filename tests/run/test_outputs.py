"""Output problems are bad input (exit 2) found before any check runs, never after the run."""
from __future__ import annotations

import argparse
import os

import pytest

from kvcontract.diagnostics import BadInput
from kvcontract.run import add_check_arguments, cmd_check

from .kvworkspace import SIZING_CONTRACT, SIZING_IMPL, Workspace

# An implementation that would leave a mark if any check ran.
MARKING_IMPL = SIZING_IMPL + """
def kv_total_marks(S, n_kv, d_k, dtype):
    open(__file__ + ".ran", "w").close()
    return S * kv_bytes(n_kv, d_k, dtype)
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Workspace(tmp_path, monkeypatch)


def _run(ws, *argv: str) -> tuple[BadInput, str]:
    mod = ws.module(MARKING_IMPL)
    binding = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total_marks"}})
    path = ws.contract("c1", SIZING_CONTRACT)
    args = add_check_arguments(argparse.ArgumentParser()).parse_args(
        [path, "--binding", binding, "--max-examples", "5", "-j", "1", *argv])
    with pytest.raises(BadInput) as info:
        cmd_check(args)
    assert not os.path.exists(ws.path(f"{mod}.py.ran"))  # no check ran
    return info.value, mod


@pytest.mark.parametrize("make, argv, code", [
    (lambda ws: None, ["--template", "missing.j2"], "KV705"),
    (lambda ws: ws.write("bad.j2", "{% for x in %}broken"), ["--template", "bad.j2"], "KV705"),
    (lambda ws: ws.write("undef.j2", "{{ undefined_var.attr }}"), ["--template", "undef.j2"], "KV705"),
    (lambda ws: ws.write("loop.j2", "{% for x in 5 %}{% endfor %}"), ["--template", "loop.j2"], "KV705"),
    (lambda ws: ws.write("afile", "x"), ["--report-dir", "afile"], "KV706"),
    (lambda ws: ws.write("afile", "x"), ["--report-dir", "afile/sub"], "KV706"),
    (lambda ws: None, ["--junit-xml", "no/such/dir/j.xml"], "KV707"),
    (lambda ws: os.makedirs(ws.path("adir")), ["--junit-xml", "adir"], "KV707"),
])
def test_an_unusable_output_stops_the_run_before_any_check(ws, make, argv, code):
    make(ws)
    error, _ = _run(ws, "--report-dir", "out", *argv) if "--report-dir" not in argv else _run(ws, *argv)
    assert [d.code for d in error.diagnostics] == [code]
    assert not os.path.exists(ws.path("no"))  # a missing --junit-xml directory is not created


def test_a_step_summary_that_is_a_directory_is_bad_input(ws, monkeypatch):
    os.makedirs(ws.path("summary"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", ws.path("summary"))
    error, _ = _run(ws, "--report-dir", "out")
    assert [d.code for d in error.diagnostics] == ["KV708"]
    assert "is a directory" in error.diagnostics[0].message


def test_a_template_that_fails_only_on_the_real_run_is_bad_input_and_writes_nothing(ws):
    # Renders on the empty trial run (no contracts), divides by zero on a run with one contract.
    ws.write("late.j2", "{{ 1 // (run.contracts|length - 1) }}")
    mod = ws.module(SIZING_IMPL)
    binding = ws.binding({"c1": {"kv_bytes": f"{mod}:kv_bytes", "kv_total": f"{mod}:kv_total"}})
    path = ws.contract("c1", SIZING_CONTRACT)
    args = add_check_arguments(argparse.ArgumentParser()).parse_args(
        [path, "--binding", binding, "--max-examples", "5", "-j", "1", "--template", "late.j2",
         "--report-dir", "out"])
    with pytest.raises(BadInput) as info:
        cmd_check(args)
    assert [d.code for d in info.value.diagnostics] == ["KV705"]
    assert "ZeroDivisionError" in info.value.diagnostics[0].message
    assert not os.path.exists(ws.path("out/qa-gate.md")) and not os.path.exists(ws.path("out/kvcontract-result.json"))
