"""The Result JSON: one document per run, the single source every report renders from.

``run_to_json`` / ``run_from_json`` convert a :class:`RunResult` to and from plain
JSON data; the round trip is exact (``run_from_json(run_to_json(r)) == r``, with
counterexample explanations as tuples again).  ``dump_json`` writes it with
sorted keys and fixed indentation, so the same run always produces the same
bytes.  The document is described by ``result.schema.json`` (JSON Schema
draft 2020-12) shipped next to this module; ``schema_path()`` finds it.

Derived fields (``passed``, ``counts``, each check's ``evidence``) are written
for consumers that read the JSON without kvcontract; ``run_from_json`` recomputes
them and refuses a document whose stored values disagree, so a hand-edited
"passed": true cannot turn a failing run green.

JSON has no NaN or infinity; a non-finite float anywhere in the document (a
drawn input, an option) is written as ``{"$float": "nan" | "inf" | "-inf"}``
and read back as the float.
"""
from __future__ import annotations

import copy
import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any

from ..verdicts.model import (
    CheckResult,
    ContractRun,
    Counterexample,
    GateResult,
    RunResult,
    Verdict,
)

__all__ = [
    "FORMAT",
    "run_to_json",
    "run_from_json",
    "dump_json",
    "load_json",
    "normalise_timings",
    "tool_versions",
    "verdict_counts",
    "schema_path",
    "load_schema",
]

FORMAT = "kvcontract-result/1"  # bumped when the document's shape changes incompatibly

_FLOAT_TAG = "$float"


def _encode_floats(value: Any) -> Any:
    """Replace non-finite floats with a tagged object, recursively (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {_FLOAT_TAG: "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, dict):
        return {key: _encode_floats(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode_floats(item) for item in value]
    return value


def _decode_floats(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {_FLOAT_TAG}:
            return float(value[_FLOAT_TAG])
        return {key: _decode_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_floats(item) for item in value]
    return value


def verdict_counts(checks: list[CheckResult]) -> dict[str, int]:
    """How many checks have each verdict (every verdict listed, zeros included)."""
    counts = {verdict.value: 0 for verdict in Verdict}
    for res in checks:
        counts[res.verdict.value] += 1
    return counts


def _check_to_json(res: CheckResult) -> dict:
    return res.to_json()


def _gate_to_json(gate: GateResult) -> dict:
    return {
        "contract": gate.contract,
        "gate_id": gate.gate_id,
        "name": gate.name,
        "passed": gate.passed,
        "reasons": list(gate.reasons),
        "pass_criteria": gate.pass_criteria,
        "checks": [_check_to_json(res) for res in gate.checks],
    }


def run_to_json(run: RunResult) -> dict:
    """The Result document for ``run`` as plain JSON data (dicts, lists, scalars)."""
    all_checks = [res for contract in run.contracts for res in contract.checks]
    data = {
        "format": FORMAT,
        "passed": run.passed,
        "counts": verdict_counts(all_checks),
        "tool": copy.deepcopy(run.tool),
        "command": list(run.command),
        "seed": run.seed,
        "options": copy.deepcopy(run.options),
        "contracts": [
            {
                "contract": contract.contract,
                "path": contract.path,
                "gate": _gate_to_json(contract.gate),
                "audit": copy.deepcopy(contract.audit),
            }
            for contract in run.contracts
        ],
    }
    return _encode_floats(data)


def _field_names(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def _counterexample_from_json(data: dict) -> Counterexample:
    values = {key: data[key] for key in _field_names(Counterexample) if key in data}
    values["explanation"] = [tuple(pair) for pair in data.get("explanation", [])]
    return Counterexample(**values)


def _check_from_json(data: dict) -> CheckResult:
    values = {key: data[key] for key in _field_names(CheckResult) if key in data}
    values["verdict"] = Verdict(data["verdict"])
    cx = data.get("counterexample")
    values["counterexample"] = _counterexample_from_json(cx) if cx is not None else None
    res = CheckResult(**values)
    if "evidence" in data and data["evidence"] != res.is_evidence:
        raise ValueError(
            f"{res.check_id}: stored evidence={data['evidence']} disagrees with its verdict and counts"
        )
    return res


def run_from_json(data: dict) -> RunResult:
    """Rebuild the :class:`RunResult` written by :func:`run_to_json`.

    Raises ``ValueError`` for a document of another format, or whose derived
    fields (``passed``, ``counts``, ``evidence``) disagree with its checks.
    """
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document (format={data.get('format')!r})")
    data = _decode_floats(data)
    contracts = []
    for entry in data["contracts"]:
        gate_data = entry["gate"]
        gate = GateResult(
            contract=gate_data["contract"],
            gate_id=gate_data["gate_id"],
            name=gate_data["name"],
            passed=gate_data["passed"],
            checks=[_check_from_json(item) for item in gate_data["checks"]],
            reasons=list(gate_data.get("reasons", [])),
            pass_criteria=gate_data.get("pass_criteria", ""),
        )
        contracts.append(
            ContractRun(contract=entry["contract"], path=entry["path"], gate=gate, audit=entry.get("audit"))
        )
    run = RunResult(
        tool=data["tool"],
        command=list(data["command"]),
        seed=data["seed"],
        options=data["options"],
        contracts=contracts,
    )
    if data.get("passed", run.passed) != run.passed:
        raise ValueError(f"stored passed={data['passed']} disagrees with the gates (passed={run.passed})")
    all_checks = [res for contract in contracts for res in contract.checks]
    if "counts" in data and data["counts"] != verdict_counts(all_checks):
        raise ValueError("stored verdict counts disagree with the checks")
    return run


def dump_json(run: RunResult) -> str:
    """The Result document as text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(run_to_json(run), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_json(text: str) -> RunResult:
    return run_from_json(json.loads(text))


def normalise_timings(data: dict) -> dict:
    """A copy of a Result document with every timing set to 0.0.

    Timings are the only part of a report that differs between two runs of the
    same inputs and seed; tests zero them before comparing documents.
    """
    out = copy.deepcopy(data)
    for contract in out.get("contracts", []):
        for check in contract.get("gate", {}).get("checks", []):
            check["seconds"] = 0.0
        audit = contract.get("audit") or {}
        for mutant in audit.get("mutants", []):
            if "seconds" in mutant:
                mutant["seconds"] = 0.0
    return out


def tool_versions() -> dict[str, str]:
    """Versions of everything whose behaviour a verdict depends on."""
    import platform

    from .. import __version__

    versions = {
        "kvcontract": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in ("hypothesis", "z3", "numpy"):
        versions[name] = _module_version(name)
    return versions


def _module_version(name: str) -> str:
    try:
        if name == "z3":
            # From the package metadata: importing z3 (and loading libz3) only to name it would
            # cost every run that never solves anything.  Z3's own version string has three parts.
            from importlib import metadata

            try:
                return ".".join(metadata.version("z3-solver").split(".")[:3])
            except metadata.PackageNotFoundError:
                import z3

                return z3.get_version_string()
        module = __import__(name)
        return str(getattr(module, "__version__", "unknown"))
    except ImportError:
        return "not installed"


def schema_path() -> Path:
    return Path(__file__).with_name("result.schema.json")


def load_schema() -> dict:
    return json.loads(schema_path().read_text(encoding="utf-8"))
