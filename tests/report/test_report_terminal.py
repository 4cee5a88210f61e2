"""Terminal lines: pytest-like, aligned, colour only on request."""
from __future__ import annotations

from kvcontract.report.terminal import format_check_line, format_failures, format_summary

from .sample_runs import error_run, failing_run, passing_run


def test_check_line_names_id_engine_verdict_count_and_time():
    res = passing_run().contracts[0].checks[0]
    line = format_check_line(res)
    assert line.split() == ["FALSIFY-KV-001", "hypothesis", "NOT_FALSIFIED", "1000", "examples", "0.42s"]
    assert "\x1b[" not in line


def test_check_lines_align_in_columns():
    lines = [format_check_line(r) for r in passing_run().contracts[0].checks]
    verdict_columns = {line.index(r.verdict.value) for line, r in zip(lines, passing_run().contracts[0].checks)}
    assert len(verdict_columns) == 1


def test_colour_only_when_asked():
    res = failing_run().contracts[0].checks[0]
    coloured = format_check_line(res, colour=True)
    assert "\x1b[31mFALSIFIED" in coloured
    assert "\x1b[" not in format_check_line(res, colour=False)


def test_too_few_examples_says_so():
    short = next(r for r in error_run().contracts[0].checks if r.check_id == "FALSIFY-KV-005")
    assert "NOT_FALSIFIED (too few examples)  312/1000 examples" in format_check_line(short)


def test_summary_gives_gate_counts_reasons_and_report_paths():
    text = format_summary(failing_run(), written={"markdown": "reports/qa-gate.md",
                                                  "json": "reports/kvcontract-result.json"})
    lines = text.splitlines()
    assert lines[0] == "FAIL  kv-cache-sizing-v1  F-KV-001 KV Cache Sizing Contract"
    assert "2 falsified" in lines[1]
    assert "      - FALSIFY-KV-001: FALSIFIED" in lines
    assert "  markdown: reports/qa-gate.md" in lines
    assert lines[-1].startswith("=") and "gate failed: 0 gates passed, 1 failed (seed 0)" in lines[-1]
    assert format_summary(passing_run()).splitlines()[0].startswith("PASS  kv-cache-sizing-v1")


def test_failures_are_printed_in_full_and_nothing_for_a_pass():
    text = format_failures(failing_run())
    assert "___ kv-cache-sizing-v1 :: FALSIFY-KV-001 ___" in text
    assert "specification:  4" in text
    assert format_failures(passing_run()) == ""


def test_an_exhaustive_check_shows_cases_enumerated_and_premises_met():
    from kvcontract.verdicts.model import CheckResult, Verdict

    res = CheckResult("FALSIFY-KV-004", "falsification", "c", Verdict.VERIFIED_BOUNDED, engine="hypothesis",
                      mode="exhaustive: all 64 inputs of the declared domain", cases=64, examples=32,
                      min_examples=1000)
    assert "64 cases, 32 met the premise" in format_check_line(res)
    assert res.is_evidence
    sampled = CheckResult("F", "falsification", "c", Verdict.NOT_FALSIFIED, engine="hypothesis",
                          mode="hypothesis seed=0", cases=1040, examples=1000, min_examples=1000)
    assert "1000 examples" in format_check_line(sampled)
