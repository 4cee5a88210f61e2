"""A proof obligation with no Z3 form falls back to Hypothesis on the specification, and says so."""
from __future__ import annotations

from pathlib import Path

from kvcontract.engines.options import RunOptions
from kvcontract.report.markdown import render_markdown
from kvcontract.report.terminal import format_check_line
from kvcontract.run import check_paths
from kvcontract.verdicts.model import Verdict

SIZING = Path(__file__).resolve().parents[2] / "contracts" / "kv-cache-sizing-v1.yaml"


def test_a_proof_without_z3_form_reads_as_hypothesis_on_the_specification(tmp_path):
    options = RunOptions(max_examples=30, seed=0, jobs=1, only=("PROVE:KV-INV-003",), report_dir=str(tmp_path))
    run = check_paths([str(SIZING)], options=options)
    (result,) = run.contracts[0].checks
    assert result.verdict is Verdict.NOT_FALSIFIED  # sampled: never PROVED
    assert result.engine == "hypothesis"
    assert result.mode.startswith("hypothesis on the specification (no Z3 form: variable 'W'")
    assert "no Z3 form: no Z3 form" not in result.mode
    assert format_check_line(result).split()[1] == "hypothesis"
    assert "| proof | hypothesis · hypothesis on the specification (no Z3 form:" in render_markdown(run)
