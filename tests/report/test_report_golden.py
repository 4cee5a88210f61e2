"""Golden files: every byte a reviewer or CI reads, compared with a reviewed copy.

Regenerate after an intended change with ``KVCONTRACT_UPDATE_GOLDEN=1 pytest tests/report``
and review the diff of tests/report/golden/ like code.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kvcontract.report.junit import render_junit
from kvcontract.report.markdown import render_markdown
from kvcontract.report.result import dump_json, load_json

from .sample_runs import audited_run, error_run, failing_run, passing_run

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("KVCONTRACT_UPDATE_GOLDEN") == "1"


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with KVCONTRACT_UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


MARKDOWN_CASES = {
    "passing.md": (passing_run, False),
    "failing.md": (failing_run, False),
    "error.md": (error_run, False),
    "audit.md": (audited_run, True),
}


@pytest.mark.parametrize("name", sorted(MARKDOWN_CASES))
def test_markdown_matches_golden(name):
    build, audit = MARKDOWN_CASES[name]
    check_golden(name, render_markdown(build(), audit=audit))


@pytest.mark.parametrize("name,build", [("passing.junit.xml", passing_run), ("failing.junit.xml", failing_run),
                                        ("error.junit.xml", error_run)])
def test_junit_matches_golden(name, build):
    check_golden(name, render_junit(build()))


def test_result_json_matches_golden():
    check_golden("failing.result.json", dump_json(failing_run()))


@pytest.mark.parametrize("build", [passing_run, failing_run, error_run, audited_run])
def test_reports_rendered_from_the_json_equal_reports_rendered_from_the_run(build):
    # The JSON is the single source: a report rebuilt from it must not differ by a byte.
    run = build()
    reloaded = load_json(dump_json(run))
    assert render_markdown(reloaded, audit=True) == render_markdown(run, audit=True)
    assert render_junit(reloaded) == render_junit(run)
