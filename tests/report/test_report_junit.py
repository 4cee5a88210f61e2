"""JUnit XML: only evidence passes, the document always parses, counts add up."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kvcontract.report.junit import junit_outcome, render_junit
from kvcontract.verdicts.model import CheckResult, ContractRun, GateResult, Verdict

from .sample_runs import SIZING, error_run, failing_run, passing_run


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.get("name"): case for case in root.iter("testcase")}


def test_one_suite_per_contract_one_case_per_check():
    root = ET.fromstring(render_junit(passing_run()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [SIZING]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == [r.check_id for r in passing_run().contracts[0].checks]
    assert {c.get("classname") for c in cases} == {SIZING}
    assert all(c.find("failure") is None and c.find("error") is None for c in cases)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("9", "0", "0")


def test_falsified_is_a_failure_carrying_the_counterexample():
    case = _cases(render_junit(failing_run()))["FALSIFY-KV-001"]
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "FALSIFIED"
    assert "n_kv = 1" in failure.text and "implementation: 2" in failure.text
    assert "reproduce: kvcontract check" in failure.text


def test_error_inconclusive_and_too_few_examples_are_not_passes():
    xml = render_junit(error_run())
    cases = _cases(xml)
    assert cases["FALSIFY-KV-004"].find("error").get("type") == "ERROR"
    assert "KeyError: 'fp8'" in cases["FALSIFY-KV-004"].find("error").text
    assert cases["KANI-KV-001"].find("error").get("type") == "INCONCLUSIVE"
    short = cases["FALSIFY-KV-005"].find("failure")
    assert short.get("message") == "ran 312 examples, fewer than the minimum 1000"
    suite = ET.fromstring(xml).find("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("1", "3")
    # A contract-level ERROR has no inputs: no empty 'inputs:' or '- {}' example blocks.
    guard = cases["PROVE:KV-MON-001"].find("error").text
    assert "zeros(10 ** 12)" in guard
    assert "inputs:" not in guard and "add as an example" not in guard


@pytest.mark.parametrize("verdict,outcome", [
    (Verdict.PROVED, "pass"), (Verdict.VERIFIED_BOUNDED, "pass"), (Verdict.NOT_FALSIFIED, "pass"),
    (Verdict.FALSIFIED, "failure"), (Verdict.INCONCLUSIVE, "error"), (Verdict.VACUOUS, "error"),
    (Verdict.ERROR, "error"), (Verdict.UNCHECKED, "error"),
])
def test_every_verdict_maps_to_an_outcome(verdict, outcome):
    assert junit_outcome(CheckResult("X-1", "proof", SIZING, verdict)) == outcome


def test_control_characters_in_a_traceback_still_give_valid_xml():
    run = error_run()
    res = next(r for r in run.contracts[0].checks if r.verdict is Verdict.ERROR)
    res.error = "ValueError: bad byte \x00 and \x1b[31mred\x1b[0m <&>\n"
    xml = render_junit(run)
    text = _cases(xml)["FALSIFY-KV-004"].find("error").text
    assert "\\x00" in text and "\\x1b[31mred" in text and "<&>" in text


def test_a_contract_without_checks_errors_instead_of_passing_empty():
    run = passing_run()
    gate = GateResult.decide(SIZING, "F-KV-001", "KV Cache Sizing Contract", [])
    run.contracts = [ContractRun(SIZING, "c.yaml", gate)]
    root = ET.fromstring(render_junit(run))
    assert root.get("errors") == "1"
    assert root.find("testsuite/testcase/error").get("message") == "no executable check"
    run.contracts = []
    assert ET.fromstring(render_junit(run)).get("errors") == "1"


def test_output_is_deterministic_with_fixed_attribute_order():
    first, second = render_junit(failing_run()), render_junit(failing_run())
    assert first == second
    assert '<testcase classname="kv-cache-sizing-v1" name="FALSIFY-KV-001" time="0.030">' in first
    assert first.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kvcontract" tests="9"')
