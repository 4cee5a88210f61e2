"""Writing reports: atomic files, nothing written when rendering fails, CI step summaries."""
from __future__ import annotations

import os
import stat

import pytest

from kvcontract.diagnostics import BadInput

from kvcontract.report.atomic import QA_GATE_MD, RESULT_JSON, write_atomic, write_reports
from kvcontract.report.github import append_step_summary
from kvcontract.report.result import load_json

from .sample_runs import failing_run, passing_run


def test_write_atomic_creates_parents_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "a" / "b" / "report.md"
    write_atomic(target, "first\n")
    write_atomic(target, "second ✅\n")
    assert target.read_text(encoding="utf-8") == "second ✅\n"
    assert os.listdir(target.parent) == ["report.md"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_atomic_keeps_an_existing_files_permissions(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \ud800 a lone surrogate cannot be encoded")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.md"]


def test_write_reports_layout_and_content(tmp_path):
    run = failing_run()
    written = write_reports(run, tmp_path / "reports", junit_path=tmp_path / "junit" / "kv.xml")
    assert written == {
        "markdown": tmp_path / "reports" / QA_GATE_MD,
        "junit": tmp_path / "junit" / "kv.xml",
        "json": tmp_path / "reports" / RESULT_JSON,
    }
    assert load_json(written["json"].read_text(encoding="utf-8")) == run
    assert written["markdown"].read_text(encoding="utf-8").startswith("## ❌ FAIL")
    assert "<testsuites" in written["junit"].read_text(encoding="utf-8")
    assert "junit" not in write_reports(run, tmp_path / "other")


def test_a_failing_render_writes_nothing(tmp_path):
    broken = tmp_path / "broken.md.j2"
    broken.write_text("{{ no_such_name }}\n")
    reports = tmp_path / "reports"
    with pytest.raises(BadInput) as info:  # a user template's failure is bad input, named, not a crash
        write_reports(failing_run(), reports, junit_path=tmp_path / "junit.xml", template_path=broken)
    assert info.value.diagnostics[0].code == "KV705" and "UndefinedError" in info.value.diagnostics[0].message
    assert not reports.exists() and not (tmp_path / "junit.xml").exists()


def test_a_failing_render_keeps_the_previous_report_set(tmp_path):
    reports = tmp_path / "reports"
    write_reports(passing_run(), reports)
    before = {p.name: p.read_bytes() for p in reports.iterdir()}
    run = failing_run()
    run.options["unserialisable"] = object()  # the JSON cannot be written: neither may the markdown be
    with pytest.raises(TypeError):
        write_reports(run, reports)
    assert {p.name: p.read_bytes() for p in reports.iterdir()} == before


def test_step_summary_appends_when_set(tmp_path):
    summary = tmp_path / "step_summary.md"
    assert append_step_summary("# hi\n", environ={}) is None
    assert not summary.exists()
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    assert append_step_summary("# first", environ=env) == summary
    append_step_summary("# second\n", environ=env)
    assert summary.read_text(encoding="utf-8") == "# first\n\n# second\n"


def test_step_summary_is_cut_to_githubs_limit(tmp_path):
    summary = tmp_path / "s.md"
    summary.write_text("earlier step\n")
    big = "".join(f"| row {i} | ✅ |\n" for i in range(2000))
    append_step_summary(big, environ={"GITHUB_STEP_SUMMARY": str(summary)}, limit=4096)
    data = summary.read_bytes()
    assert len(data) <= 4096
    text = data.decode("utf-8")
    assert text.startswith("earlier step\n\n| row 0 | ✅ |\n") and "cut to fit" in text
    assert all(line.startswith(("|", ">", "earlier")) or not line for line in text.splitlines())


def test_step_summary_uses_the_process_environment(tmp_path, monkeypatch):
    summary = tmp_path / "env.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    append_step_summary("## ✅ PASS — gate\n")
    assert summary.read_text(encoding="utf-8") == "## ✅ PASS — gate\n"
