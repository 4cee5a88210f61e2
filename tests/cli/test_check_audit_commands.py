"""`kvcontract check` and `kvcontract audit` through main(argv), on a shipped contract."""
from __future__ import annotations

import json
import os

from kvcontract.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APPEND = os.path.join(ROOT, "contracts", "kv-cache-append-v1.yaml")


def test_check_with_audit_adds_the_falsifiability_section(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(["check", APPEND, "-j", "1", "--audit", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PASS audit:" in out
    markdown = (tmp_path / "qa-gate.md").read_text()
    assert "Falsifiability" in markdown
    data = json.loads((tmp_path / "kvcontract-result.json").read_text())
    audit = data["contracts"][0]["audit"]
    assert audit["passed"] and audit["mutants"]
    assert all(not m["survived"] for m in audit["mutants"])


def test_audit_fails_when_a_named_mutant_file_has_a_mutant_that_survives(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    # The reference itself, bound as a "mutant": no check can kill a correct implementation.
    mutants = tmp_path / "mutants.yaml"
    mutants.write_text(
        "kv-cache-append-v1:\n"
        "  - id: MUT-NOT-A-BUG\n"
        "    description: \"the reference under another name\"\n"
        "    bind: {append_keys: \"kvcontract.reference.append:append_keys\"}\n"
        "    killed_by: [FALSIFY-APP-001]\n")
    code = main(["audit", APPEND, "-j", "1", "--mutants", str(mutants), "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "MUT-NOT-A-BUG" in out
