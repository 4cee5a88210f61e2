"""JUnit XML for CI test panels: one testsuite per contract, one testcase per check.

Only evidence is a pass.  FALSIFIED, and NOT_FALSIFIED on fewer examples than the
check's minimum, are ``<failure>``s; ERROR, INCONCLUSIVE, VACUOUS and UNCHECKED
are ``<error>``s, never skipped, so a CI panel can never show them green.  A
contract with no check, or a run with no contract, gets a testcase of its own
that errors, for the same reason.

The output is deterministic: attributes in a fixed order, times with three
decimals, characters XML 1.0 forbids (NUL and other control characters in a
traceback) written as ``\\xNN`` escapes so the document always parses.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..verdicts.model import CheckResult, ContractRun, RunResult, Verdict
from . import text

__all__ = ["render_junit", "junit_outcome"]

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def junit_outcome(res: CheckResult) -> str:
    """``pass``, ``failure`` or ``error``: how a check appears in a CI test panel."""
    if res.is_evidence:
        return "pass"
    if res.verdict in (Verdict.FALSIFIED, Verdict.NOT_FALSIFIED):
        return "failure"
    return "error"


def _message(res: CheckResult) -> str:
    if text.is_short_of_examples(res):
        return f"ran {res.examples} examples, fewer than the minimum {res.min_examples}"
    cx = res.counterexample
    first = (cx.message if cx and cx.message else "") or res.detail or res.title
    return f"{res.verdict.value}: {first}" if first else res.verdict.value


def _testcase(parent: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(parent, "testcase", {"classname": classname, "name": name, "time": _seconds(seconds)})


def _add_check(suite: ET.Element, contract: ContractRun, res: CheckResult) -> str:
    case = _testcase(suite, contract.contract, res.check_id, res.seconds)
    outcome = junit_outcome(res)
    if outcome != "pass":
        node = ET.SubElement(case, outcome, {"type": res.verdict.value, "message": _xml_text(_message(res))})
        node.text = _xml_text(text.failure_text(res))
    out = ET.SubElement(case, "system-out")
    count = text.count_label(res)
    mode = " · ".join(part for part in (res.engine, res.mode) if part)
    words = [res.verdict.value] + ([count] if count != "—" else []) + ([f"({mode})"] if mode else [])
    out.text = _xml_text(" ".join(words))
    return outcome


def _add_suite(root: ET.Element, contract: ContractRun, tool: dict, seed: int) -> dict[str, int]:
    gate = contract.gate
    suite = ET.SubElement(root, "testsuite", {
        "name": contract.contract,
        "tests": "0", "failures": "0", "errors": "0", "skipped": "0",
        "time": _seconds(sum(res.seconds for res in contract.checks)),
        "file": contract.path,
    })
    props = ET.SubElement(suite, "properties")
    for name, value in [("gate", gate.gate_id), ("gate_name", gate.name),
                        ("gate_passed", "true" if gate.passed else "false"), ("seed", str(seed))]:
        ET.SubElement(props, "property", {"name": name, "value": _xml_text(value)})
    for name in sorted(tool):
        ET.SubElement(props, "property", {"name": f"version.{name}", "value": _xml_text(str(tool[name]))})
    counts = {"tests": len(contract.checks), "pass": 0, "failure": 0, "error": 0}
    for res in contract.checks:
        counts[_add_check(suite, contract, res)] += 1
    if not contract.checks:
        case = _testcase(suite, contract.contract, gate.gate_id or contract.contract, 0.0)
        ET.SubElement(case, "error", {"type": "UNCHECKED", "message": "no executable check"}).text = (
            "The gate lists no check that could run: nothing is evidence."
        )
        counts = {"tests": 1, "pass": 0, "failure": 0, "error": 1}
    suite.set("tests", str(counts["tests"]))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    return counts


def render_junit(run: RunResult) -> str:
    """The JUnit XML document for ``run`` (UTF-8 text with an XML declaration)."""
    root = ET.Element("testsuites", {"name": "kvcontract", "tests": "0", "failures": "0", "errors": "0",
                                     "time": "0.000"})
    totals = {"tests": 0, "failure": 0, "error": 0}
    seconds = 0.0
    for contract in run.contracts:
        counts = _add_suite(root, contract, run.tool, run.seed)
        for key in totals:
            totals[key] += counts[key]
        seconds += sum(res.seconds for res in contract.checks)
    if not run.contracts:
        suite = ET.SubElement(root, "testsuite", {"name": "kvcontract", "tests": "1", "failures": "0",
                                                  "errors": "1", "skipped": "0", "time": "0.000"})
        case = _testcase(suite, "kvcontract", "run", 0.0)
        ET.SubElement(case, "error", {"type": "UNCHECKED", "message": "no contract was checked"})
        totals = {"tests": 1, "failure": 0, "error": 1}
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failure"]))
    root.set("errors", str(totals["error"]))
    root.set("time", _seconds(seconds))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
