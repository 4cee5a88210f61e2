"""The JSON Schema, the loader and docs/contract-format.md agree.

Every anchor file, every shipped contract and the YAML examples of the format
doc (merged into one contract) are valid under the schema *and* load without
errors; the schema's keys are exactly the loader's keys; and the schema
rejects what the loader rejects for the common mistakes.
"""
from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import pytest

from kvcontract.contract import build
from kvcontract.contract.fields import DOMAIN_KEYS
from kvcontract.contract.load import load_with_diagnostics
from kvcontract.contract.repository import load_set
from kvcontract.contract.validate import validate
from kvcontract.contract.yaml_load import load_yaml, parse_yaml_text, to_plain

from .samples import ANCHOR_DIR, REPO, VALID, write

SCHEMA = json.loads(resources.files("kvcontract.contract").joinpath("schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DOC = REPO / "docs" / "contract-format.md"


def _schema_errors(document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize(
    "definition, keys",
    [
        (None, build.TOP_KEYS),
        ("metadata", build.METADATA_KEYS),
        ("equation", build.EQUATION_KEYS),
        ("obligation", build.OBLIGATION_KEYS),
        ("falsification_test", build.TEST_KEYS),
        ("harness", build.HARNESS_KEYS),
        ("qa_gate", build.GATE_KEYS),
    ],
)
def test_schema_keys_are_the_loader_keys(definition, keys):
    node = SCHEMA if definition is None else SCHEMA["$defs"][definition]
    assert set(node["properties"]) == set(keys)


def test_schema_domain_keys_are_the_loader_keys():
    props = set(SCHEMA["$defs"]["domain"]["properties"])
    assert props == {"type", "description"} | {k for keys in DOMAIN_KEYS.values() for k in keys}


def _files():
    files = sorted(ANCHOR_DIR.glob("*.yaml")) + sorted((REPO / "contracts").glob("*.yaml"))
    return [pytest.param(path, id=f"{path.parent.name}/{path.name}") for path in files]


@pytest.mark.parametrize("path", _files())
def test_contract_files_pass_schema_and_loader(path):
    assert _schema_errors(to_plain(load_yaml(str(path)))) == []
    contract, diags = load_with_diagnostics(str(path))
    assert contract is not None
    assert [d.headline() for d in diags if d.severity == "error"] == []


def _doc_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_doc_examples_merge_into_one_valid_contract(tmp_path):
    merged: dict = {}
    for block in _doc_blocks():
        document = to_plain(parse_yaml_text(block, str(DOC)))
        if document is None:
            continue  # the editor-comment example
        assert isinstance(document, dict)
        for key, value in document.items():
            assert key not in merged, f"section {key} appears in two doc examples"
            merged[key] = value
    assert {"metadata", "variables", "symbols", "equations", "proof_obligations", "falsification_tests",
            "kani_harnesses", "qa_gate"} <= set(merged)
    assert _schema_errors(merged) == []
    # JSON is YAML: the merged document goes through the real loader and validator
    path = write(tmp_path, json.dumps(merged, ensure_ascii=False), "doc-example-v1.yaml")
    contract_set = load_set([path], search_path=[str(ANCHOR_DIR)])
    assert [d.headline() for d in contract_set.diagnostics if d.severity == "error"] == []
    assert [d.headline() for d in validate(contract_set) if d.severity == "error"] == []


@pytest.mark.parametrize(
    "old, new",
    [
        ("bound: 4", "bound: -1"),
        ("bound: 4", "bonud: 4"),
        ("strategy: bounded_int", "strategy: bmc"),
        ("type: monotonicity", "type: monotonic"),
        ("{type: int, min: 1, max: 64}", "{type: int, min: 1}"),
        ("{type: int, min: 1, max: 64}", "{type: int, min: 1, max: 64, values: [a]}"),
        ("given: {S1: S, S2: S}", "given: [S1, S2]"),
        ("returns: int}\n  kv_total", "returns: integer}\n  kv_total"),
    ],
)
def test_schema_and_loader_both_reject(tmp_path, old, new):
    text = VALID.replace(old, new, 1)
    assert _schema_errors(to_plain(parse_yaml_text(text, "x.yaml")))
    contract, diags = load_with_diagnostics(write(tmp_path, text))
    assert any(d.severity == "error" for d in diags)


def test_valid_sample_passes_schema():
    assert _schema_errors(to_plain(parse_yaml_text(VALID, "x.yaml"))) == []
