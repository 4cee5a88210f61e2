"""A run that solves nothing never loads Z3; its recorded version is Z3's own all the same."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import sys
from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
run = check_paths([sys.argv[1]], options=RunOptions(max_examples=10, jobs=1, only=("FALSIFY-KV-001",)))
assert run.contracts[0].checks[0].verdict.value == "NOT_FALSIFIED", run.contracts[0].checks[0]
print("z3" in sys.modules, run.tool["z3"])
"""


def test_a_hypothesis_only_run_does_not_import_z3_and_records_its_version():
    import z3

    proc = subprocess.run([sys.executable, "-c", PROGRAM, str(ROOT / "contracts" / "kv-cache-sizing-v1.yaml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    loaded, version = proc.stdout.split()
    assert loaded == "False"
    assert version == z3.get_version_string()
