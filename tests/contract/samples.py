"""Small contract texts shared by the loader, validator and CLI tests."""
from __future__ import annotations

import textwrap
from pathlib import Path

ANCHOR_DIR = Path("/work/shared/anchor")
REPO = Path(__file__).resolve().parents[2]

VALID = textwrap.dedent(
    """\
    metadata:
      version: "1.0.0"
      description: "A tiny sizing contract"
      references: ["seed 000"]
    variables:
      n_kv: {type: int, min: 1, max: 64}
      d_k: {type: int, min: 1, max: 256}
      S: {type: int, min: 1, max: 4096}
      dtype: {type: enum, values: [f16, f32]}
    symbols:
      kv_bytes: {params: [n_kv, d_k, dtype], returns: int}
      kv_total: {params: [S, n_kv, d_k, dtype], returns: int}
    equations:
      per_token:
        formula: "kv_bytes = 2 * n_kv * d_k * sizeof(dtype)"
        examples:
          - {n_kv: 2, d_k: 64, dtype: f16, expect: 512}
      total:
        formula: "kv_total = S * kv_bytes"
    proof_obligations:
      - id: T-INV-001
        type: invariant
        property: "bytes positive"
        check: "kv_bytes > 0"
      - id: T-MON-001
        type: monotonicity
        property: "monotonic in S"
        check: "S1 < S2 => kv_total(S=S1) < kv_total(S=S2)"
        given: {S1: S, S2: S}
    falsification_tests:
      - id: FALSIFY-T-001
        rule: "positive"
        obligation: T-INV-001
      - id: FALSIFY-T-002
        rule: "monotonic"
        obligation: T-MON-001
    kani_harnesses:
      - id: KANI-T-001
        obligation: T-INV-001
        bound: 4
        strategy: bounded_int
    qa_gate:
      id: F-T-001
      name: "Tiny gate"
      checks: [per_token, T-MON-001, FALSIFY-T-001]
      pass_criteria: "All 2 falsification tests pass"
    """
)


def write(directory: Path, text: str, name: str = "tiny-v1.yaml") -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def line_col(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col
