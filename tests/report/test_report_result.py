"""The Result JSON: exact round trip, published schema, stable bytes, fail-closed reading."""
from __future__ import annotations

import json
import math

import jsonschema
import pytest

from kvcontract.report.result import (
    dump_json,
    load_json,
    load_schema,
    normalise_timings,
    run_from_json,
    run_to_json,
    tool_versions,
)
from kvcontract.verdicts.model import Verdict

from .sample_runs import audited_run, error_run, failing_run, passing_run

ALL_RUNS = [passing_run, failing_run, error_run, audited_run]


@pytest.fixture(scope="module")
def validator():
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("build", ALL_RUNS)
def test_round_trip_is_exact(build):
    run = build()
    assert run_from_json(run_to_json(run)) == run
    assert load_json(dump_json(run)) == run


@pytest.mark.parametrize("build", ALL_RUNS)
def test_documents_validate_against_the_published_schema(build, validator):
    document = json.loads(dump_json(build()))
    errors = sorted(validator.iter_errors(document), key=str)
    assert errors == []


def test_schema_rejects_an_unknown_verdict_and_a_missing_field(validator):
    document = run_to_json(failing_run())
    document["contracts"][0]["gate"]["checks"][0]["verdict"] = "PASSED"
    assert not validator.is_valid(document)
    document = run_to_json(failing_run())
    del document["seed"]
    assert not validator.is_valid(document)


def test_schema_covers_every_field_the_model_writes(validator):
    # additionalProperties is false: a new model field without a schema entry fails here.
    check = run_to_json(failing_run())["contracts"][0]["gate"]["checks"][0]
    properties = load_schema()["$defs"]["check"]["properties"]
    assert set(check) == set(properties)


def test_same_run_gives_the_same_bytes():
    assert dump_json(failing_run()) == dump_json(failing_run())
    text = dump_json(failing_run())
    assert text.endswith("}\n")
    assert json.loads(text) == json.loads(json.dumps(json.loads(text), sort_keys=True))


def test_normalise_timings_zeroes_only_timings():
    fast, slow = audited_run(), audited_run()
    for res in slow.contracts[0].checks:
        res.seconds += 3.5
    slow.contracts[0].audit["mutants"][0]["seconds"] = 99.0
    a, b = run_to_json(fast), run_to_json(slow)
    assert a != b
    assert normalise_timings(a) == normalise_timings(b)
    assert a["contracts"][0]["gate"]["checks"][0]["seconds"] == 0.42  # the input is not modified
    slow.contracts[0].checks[0].examples += 1
    assert normalise_timings(a) != normalise_timings(run_to_json(slow))


def test_derived_fields_are_written():
    document = run_to_json(failing_run())
    assert document["passed"] is False
    assert document["counts"]["FALSIFIED"] == 2
    assert document["counts"]["PROVED"] == 1
    assert sum(document["counts"].values()) == 9
    assert [c["evidence"] for c in document["contracts"][0]["gate"]["checks"]].count(False) == 2


def test_a_hand_edited_pass_is_refused():
    document = run_to_json(failing_run())
    document["passed"] = True
    with pytest.raises(ValueError, match="passed"):
        run_from_json(document)
    document = run_to_json(error_run())
    short = next(c for c in document["contracts"][0]["gate"]["checks"] if c["check_id"] == "FALSIFY-KV-005")
    short["evidence"] = True
    with pytest.raises(ValueError, match="FALSIFY-KV-005"):
        run_from_json(document)


def test_a_document_of_another_format_is_refused():
    document = run_to_json(passing_run())
    document["format"] = "something-else/9"
    with pytest.raises(ValueError, match="format"):
        run_from_json(document)


def test_non_finite_floats_survive_as_valid_json(validator):
    run = failing_run()
    cx = run.contracts[0].checks[0].counterexample
    cx.inputs["eps"] = float("nan")
    cx.inputs["limit"] = float("-inf")
    text = dump_json(run)  # allow_nan=False: would raise if a NaN reached the encoder
    assert "NaN" not in text and "Infinity" not in text
    assert validator.is_valid(json.loads(text))
    back = load_json(text).contracts[0].checks[0].counterexample.inputs
    assert math.isnan(back["eps"]) and back["limit"] == float("-inf")


def test_tool_versions_name_every_tool_with_its_real_version():
    import hypothesis
    import numpy
    import z3

    versions = tool_versions()
    assert set(versions) == {"kvcontract", "python", "hypothesis", "z3", "numpy", "platform"}
    assert versions["hypothesis"] == hypothesis.__version__
    assert versions["numpy"] == numpy.__version__
    assert versions["z3"] == z3.get_version_string()
    assert all(isinstance(v, str) and v for v in versions.values())


def test_run_with_real_tool_versions_validates(validator):
    run = passing_run()
    run.tool = tool_versions()
    assert validator.is_valid(run_to_json(run))
    assert run.contracts[0].checks[0].verdict is Verdict.NOT_FALSIFIED
