"""Golden-file tests for render, graph and list: the exact bytes, deterministic.

Regenerate after an intended change with ``KVCONTRACT_UPDATE_GOLDEN=1 pytest tests/render``
and review the diff.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kvcontract.cli import main
from kvcontract.contract.load import load_contract
from kvcontract.contract.repository import load_set
from kvcontract.render.contract_md import domain_text, render_contract
from kvcontract.render.graph import GRAPH_FORMATS, graph, list_contracts
from tests.contract.samples import ANCHOR_DIR, REPO, VALID, write

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KVCONTRACT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with KVCONTRACT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_render_anchor_sizing_golden():
    contract_set = load_set([str(ANCHOR_DIR)])
    text = render_contract(contract_set.get("kv-cache-sizing-v1"), contract_set)
    check_golden("kv-cache-sizing-v1.anchor.md", text)
    # the seed's layout: dependents in the mermaid graph, prose never as math
    assert 'kv_cache_equivalence_v1["kv-cache-equivalence-v1"] --> kv_cache_sizing_v1' in text
    assert "$$" not in text


def test_render_kvcontract_file_golden(tmp_path):
    contract = load_contract(write(tmp_path, VALID))
    text = render_contract(contract, load_set([str(tmp_path)]))
    check_golden("tiny-v1.md", text)
    assert "| T-MON-001 | monotonicity | monotonic in S | `S1 < S2 => kv_total(S=S1) < kv_total(S=S2)` |" in text
    assert "| `S` | int [1, 4096] |  |" in text


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_graph_golden(fmt):
    check_golden(f"anchor-graph.{'md' if fmt == 'mermaid' else fmt}", graph(load_set([str(ANCHOR_DIR)]), fmt))


def test_graph_marks_missing_dependency(tmp_path):
    write(tmp_path, 'metadata: {version: "1", description: a, depends_on: [ghost-v1]}\n', "a-v1.yaml")
    contract_set = load_set([str(tmp_path)])
    assert "  -> ghost-v1  (missing)" in graph(contract_set, "text")
    assert json.loads(graph(contract_set, "json"))["missing"] == ["ghost-v1"]
    assert '"ghost-v1" [style=dashed' in graph(contract_set, "dot")
    with pytest.raises(ValueError):
        graph(contract_set, "svg")


def test_list_golden():
    check_golden("anchor-list.txt", list_contracts(load_set([str(ANCHOR_DIR)])))


def test_output_is_deterministic():
    first = [graph(load_set([str(ANCHOR_DIR)]), f) for f in GRAPH_FORMATS]
    second = [graph(load_set([str(ANCHOR_DIR)]), f) for f in GRAPH_FORMATS]
    assert first == second


def test_table_cells_escape_pipes(tmp_path):
    text = VALID.replace('property: "bytes positive"', 'property: "bytes | positive"')
    rendered = render_contract(load_contract(write(tmp_path, text)))
    assert "bytes \\| positive" in rendered


def test_domain_text_forms(tmp_path):
    text = VALID.replace("  dtype: {type: enum", "  eps: {type: float, min: 0.0, max: 0.1, exclusive_min: true}\n"
                         "  xs: {type: list, of: {type: bool}, min_len: 1, max_len: 8}\n  dtype: {type: enum")
    variables = load_contract(write(tmp_path, text)).variables
    assert domain_text(variables["eps"].domain) == "float (0.0, 0.1]"
    assert domain_text(variables["xs"].domain) == "list of (bool), length 1..8"
    assert domain_text(variables["dtype"].domain) == "one of f16, f32"


@pytest.mark.parametrize("path", sorted((REPO / "contracts").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_contracts_render_every_id(path):
    contract_set = load_set([str(path)], search_path=[str(ANCHOR_DIR)])
    contract = load_contract(str(path))
    text = render_contract(contract, contract_set)
    for item in (*contract.obligations, *contract.falsification_tests, *contract.harnesses):
        assert item.id in text


def test_cli_render_writes_atomically(tmp_path, capsys):
    out = tmp_path / "out.md"
    assert main(["render", str(ANCHOR_DIR / "kv-cache-sizing-v1.yaml"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (GOLDEN / "kv-cache-sizing-v1.anchor.md").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]  # no temp file left behind
    capsys.readouterr()


def test_cli_render_bad_contract_exit_2(tmp_path, capsys):
    assert main(["render", write(tmp_path, "metadata: [\n")]) == 2
    assert "KV100" in capsys.readouterr().err


def test_cli_graph_and_list(capsys):
    assert main(["graph", str(ANCHOR_DIR), "--format", "dot"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "anchor-graph.dot").read_text(encoding="utf-8")
    assert main(["list", str(ANCHOR_DIR)]) == 0
    assert capsys.readouterr().out == (GOLDEN / "anchor-list.txt").read_text(encoding="utf-8")


def test_cli_list_reports_broken_file_exit_2(tmp_path, capsys):
    write(tmp_path, "a: [\n", "broken.yaml")
    write(tmp_path, 'metadata: {version: "1", description: ok}\n', "ok-v1.yaml")
    assert main(["list", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("ok-v1") and "broken.yaml:2:1: error KV100" in err
