"""The same check run from two copies of a project writes the same reports, byte for byte (timings aside)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import kvcontract
from kvcontract.report.result import normalise_timings

from .kvworkspace import SIZING_CONTRACT, SIZING_IMPL

# A capped total that an explicit example catches: the reports carry example positions and counterexamples.
CONTRACT = SIZING_CONTRACT + """    examples:
      - {S1: 5000, S2: 6000, n_kv: 1, d_k: 1, dtype: f16}
"""
IMPL = SIZING_IMPL.replace("return S * kv_bytes(n_kv, d_k, dtype)", "return min(S, 4096) * kv_bytes(n_kv, d_k, dtype)")
BINDING = "c1:\n  kv_bytes: \"repro_impl:kv_bytes\"\n  kv_total: \"repro_impl:kv_total\"\n"


def _project(root: Path) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "harnesses").mkdir()
    (root / "reports").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = \"repro\"\nversion = \"0\"\n")
    (root / "contracts" / "c1.yaml").write_text(CONTRACT.lstrip("\n"))
    (root / "repro_impl.py").write_text(IMPL)
    (root / "harnesses" / "reference.yaml").write_text(BINDING)
    return root


def _check(root: Path) -> tuple[str, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env["PYTHONPATH"] = str(Path(kvcontract.__file__).resolve().parents[1])  # the kvcontract under test
    proc = subprocess.run(
        [sys.executable, "-m", "kvcontract", "check", "contracts/c1.yaml", "-j", "1", "--max-examples", "20",
         "--report-dir", "reports", "--junit-xml", "reports/junit.xml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the capped total fails
    reports = root / "reports"
    data = normalise_timings(json.loads((reports / "kvcontract-result.json").read_text(encoding="utf-8")))
    timing = re.compile(r"\b\d+\.\d{2}s\b")
    markdown = timing.sub("0.00s", (reports / "qa-gate.md").read_text(encoding="utf-8"))
    junit = re.sub(r'time="[0-9.]+"', 'time="0"', (reports / "junit.xml").read_text(encoding="utf-8"))
    junit = re.sub(r'timestamp="[^"]*"', 'timestamp=""', junit)
    return json.dumps(data, sort_keys=True, indent=2), markdown, junit


def test_two_checkouts_write_identical_reports(tmp_path):
    first = _check(_project(tmp_path / "one" / "project"))
    second = _check(_project(tmp_path / "elsewhere" / "deeper" / "project"))
    assert str(tmp_path) not in "".join(first)  # nothing machine-specific: paths are relative to the checkout
    assert '"harnesses/reference.yaml"' in first[0] and "contracts/c1.yaml" in first[1]
    assert "example at contracts/c1.yaml:" in first[0]
    for mine, theirs in zip(first, second):
        assert mine == theirs
