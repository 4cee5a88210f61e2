"""A proof obligation with no Z3 form falls back to Hypothesis on the specification, and says so."""
from __future__ import annotations

from kvcontract.engines.options import RunOptions
from kvcontract.report.markdown import render_markdown
from kvcontract.report.terminal import format_check_line
from kvcontract.run import check_paths
from kvcontract.verdicts.model import Verdict

# An array statement about the specification alone: planned as a proof, but arrays have no Z3 form.
CONTRACT = """
metadata:
  version: "1.0.0"
  description: "array identity"
variables:
  n: {type: int, min: 1, max: 8}
  W: {type: array, dtype: float64, shape: [n, n], min: -1.0, max: 1.0}
proof_obligations:
  - id: ARR-INV-001
    type: invariant
    property: "Zero input identity"
    check: "norm(W @ zeros(n)) == 0.0"
qa_gate: {id: G, name: "g", min_examples: 30}
"""


def test_a_proof_without_z3_form_reads_as_hypothesis_on_the_specification(tmp_path):
    path = tmp_path / "arr-v1.yaml"
    path.write_text(CONTRACT)
    options = RunOptions(max_examples=30, seed=0, jobs=1, report_dir=str(tmp_path))
    run = check_paths([str(path)], options=options)
    (result,) = run.contracts[0].checks
    assert result.check_id == "PROVE:ARR-INV-001"
    assert result.verdict is Verdict.NOT_FALSIFIED  # sampled: never PROVED
    assert result.engine == "hypothesis"
    assert result.mode.startswith("hypothesis on the specification (no Z3 form:")
    assert "no Z3 form: no Z3 form" not in result.mode
    assert format_check_line(result).split()[1] == "hypothesis"
    assert "| proof | hypothesis · hypothesis on the specification (no Z3 form:" in render_markdown(run)
