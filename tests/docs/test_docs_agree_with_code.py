"""The docs' tables and examples stay true: every code, verdict and flag they name exists, and back."""
from __future__ import annotations

import os
import re
import shlex

import pytest

from kvcontract.cli import build_parser
from kvcontract.verdicts.model import EVIDENCE, Verdict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts: str) -> str:
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def _source_codes(prefixes: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "kvcontract")):
        for name in files:
            if name.endswith(".py"):
                text = _read(os.path.relpath(os.path.join(folder, name), ROOT))
                found.update(c for c in re.findall(r'"(KV\d{3})"', text) if c.startswith(prefixes))
    return found


def _documented_codes(text: str) -> set[str]:
    codes = set(re.findall(r"\bKV\d{3}\b", text))
    for lo, hi in re.findall(r"KV(\d{3})[–-]KV(\d{3})", text):
        codes.update(f"KV{n}" for n in range(int(lo), int(hi) + 1))
    return codes


def test_every_check_and_audit_code_is_documented_and_every_documented_code_exists():
    source = _source_codes(("KV6", "KV7", "KV8"))
    documented = {c for c in _documented_codes(_read("docs", "bindings.md")) if c.startswith(("KV6", "KV7", "KV8"))}
    assert source, "no KV6xx-KV8xx codes found in the source"
    assert source - documented == set(), "codes used but not documented"
    assert documented - source == set(), "codes documented but never produced"


def test_every_validation_code_in_the_source_is_in_the_format_reference():
    source = _source_codes(("KV1", "KV2", "KV3", "KV4"))
    documented = _documented_codes(_read("docs", "contract-format.md"))
    assert source - documented == set()


def test_the_verdict_table_lists_exactly_the_verdicts_and_marks_the_evidence():
    text = _read("docs", "verdicts.md")
    rows = re.findall(r"^\| `([A-Z_]+)` \|[^|]*\|[^|]*\| (yes|no)[^|]*\|$", text, re.M)
    assert {name for name, _ in rows} == {v.value for v in Verdict}
    assert {name for name, evidence in rows if evidence == "yes"} == {v.value for v in EVIDENCE}


def _subparser(name: str):
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices[name]


@pytest.mark.parametrize("doc", ["ci.md", "bindings.md", "verdicts.md"])
def test_every_check_option_the_docs_mention_exists(doc):
    known = {opt for action in _subparser("check")._actions for opt in action.option_strings}
    known |= {opt for action in _subparser("audit")._actions for opt in action.option_strings}
    mentioned = set(re.findall(r"`(--[a-z][a-z0-9-]*)", _read("docs", doc)))
    assert mentioned - known == set()


def test_the_ci_recipes_parse_as_kvcontract_commands():
    text = _read("docs", "ci.md")
    commands = re.findall(r"^\s*-? ?(?:run: )?(kvcontract (?:check|audit|validate) [^\n]+)$", text, re.M)
    assert commands, "no kvcontract command found in docs/ci.md"
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.handler is not None


def test_readme_quick_start_is_exactly_two_commands_and_the_ci_runs_them():
    readme = _read("README.md")
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", readme, re.S)
    assert block, "README has no quick start block"
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "kvcontract check contracts/kv-cache-sizing-v1.yaml" in commands[0]
    assert "pytest" in commands[1]
    ci = _read(".ci", "run")
    for command in commands:
        assert command in ci, f"CI does not run the README command: {command}"


def test_the_architecture_table_lists_every_pipeline_module():
    text = _read("docs", "architecture.md")
    listed = set(re.findall(r"^\| [a-z]+ \| `([a-z0-9_/]+\.py)` \|", text, re.M))
    actual = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "kvcontract")):
        rel = os.path.relpath(folder, os.path.join(ROOT, "kvcontract"))
        if rel == ".":
            continue
        actual.update(f"{rel}/{name}" for name in files if name.endswith(".py") and name != "__init__.py")
    assert actual - listed == set(), "modules missing from docs/architecture.md"
    assert listed - actual == set(), "docs/architecture.md lists modules that do not exist"
