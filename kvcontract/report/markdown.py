"""The QA-gate report a reviewer reads in a merge request, rendered with Jinja2.

``render_markdown(run)`` renders ``templates/qa_gate.md.j2`` (or the template
given as ``template_path``, the CLI's ``--template``).  Each contract's gate
comes first with its verdict in the heading, then a one-line summary and a table
of checks; every check that is not evidence is then shown in full (inputs,
implementation vs specification, the sub-expression values, a YAML example to
paste, the reproduce command, the implementation's traceback); the environment
and the command that reproduces the whole run close the report.

Template context (what a custom ``--template`` receives):

``run``
    the :class:`~kvcontract.verdicts.model.RunResult`.
``passed``
    ``run.passed``.
``gates``
    one mapping per contract: ``contract`` (the ContractRun), ``gate``
    (its GateResult), ``heading`` (``✅ PASS — name (gate id)``), ``summary``
    (:func:`~kvcontract.report.text.summary_line`), ``rows`` (per check:
    ``result``, ``mark``, ``engine_mode``, ``count``, ``time``), ``failures``
    (the CheckResults that are not evidence, each wrapped as ``result``,
    ``mark``, ``short_of_examples``) and ``audit`` (below, or None).
``show_audit``
    the ``audit`` argument.
``environment``
    ``[(label, value)]``: tool versions, seed, options.
``reproduce``
    the shell command that reproduces the run.

Filters: ``cell`` (plain table cell: pipes, newlines and ``<`` escaped),
``code`` (an inline code span safe for backticks and pipes, for table cells
too), ``fence`` (a code fence longer than any backtick run in the text),
``value`` (a drawn input as JSON), ``sorted_items`` (a mapping's items by key:
inputs are listed by name, the order the Result JSON stores them in, so a
report rendered from the JSON equals one rendered from the run itself).

The falsifiability audit (``ContractRun.audit``, filled by ``kvcontract audit``)
has this shape; ``audit=True`` renders it as a kill matrix::

    {
      "mutants": [{
        "id": "M-KV-NO-FACTOR-2",            # the mutant's id in the bug zoo
        "description": "forgets the factor 2 for K and V",
        "symbols": ["kv_bytes"],             # the symbols it replaces
        "expected_killers": ["FALSIFY-KV-001"],  # checks that must kill it
        "killed_by": {"FALSIFY-KV-001": "FALSIFIED", ...},  # check id -> verdict against the mutant
        "counterexample": {...} | None,      # Counterexample.to_json() of the first kill
        "seconds": 1.2,
        "survived": False,                   # no check killed it
      }],
      "checks": ["FALSIFY-KV-001", ...],     # the matrix's columns, in order
      "passed": True,                        # every mutant killed by an expected killer
      "problems": ["M-...: expected FALSIFY-KV-003 to kill it, it did not"],
    }

A check *kills* a mutant when its verdict against the mutant is FALSIFIED.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from ..audit.matrix import time_to_kill_stats
from ..verdicts.model import CheckResult, ContractRun, RunResult, Verdict
from . import text

__all__ = ["render_markdown", "DEFAULT_TEMPLATE", "gate_heading"]

DEFAULT_TEMPLATE = Path(__file__).with_name("templates") / "qa_gate.md.j2"

PASS_MARK = "✅"
FAIL_MARK = "❌"


def _cell(value: Any) -> str:
    """Plain text safe inside a markdown table cell."""
    out = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return "<br>".join(line.strip() for line in out.strip().splitlines()) if "\n" in out else out


def _code(value: Any) -> str:
    """An inline code span that survives backticks, pipes and newlines in ``value``."""
    body = " ".join(str(value).split("\n")).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or longest else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def _fence(value: Any) -> str:
    longest = max((len(run) for run in re.findall(r"`+", str(value))), default=0)
    return "`" * max(3, longest + 1)


_EVIDENCE_WORDS = {v.value for v in (Verdict.PROVED, Verdict.VERIFIED_BOUNDED, Verdict.NOT_FALSIFIED)}


def _mark(res: CheckResult) -> str:
    return PASS_MARK if res.is_evidence else FAIL_MARK


def gate_heading(contract: ContractRun) -> str:
    """``✅ PASS — KV Cache Sizing Contract (F-KV-001)``; the contract id stands in for a missing gate."""
    gate = contract.gate
    word = f"{PASS_MARK} PASS" if gate.passed else f"{FAIL_MARK} FAIL"
    name = gate.name or contract.contract
    ident = gate.gate_id or contract.contract
    return f"{word} — {name} ({ident})" if ident != name else f"{word} — {name}"


def _engine_mode(res: CheckResult) -> str:
    return " · ".join(part for part in (res.engine, res.mode) if part) or "—"


def _audit_view(audit: dict) -> dict:
    """The audit with every optional key filled, so templates need no guards."""
    checks = list(audit.get("checks", []))
    mutants = []
    for mutant in audit.get("mutants", []):
        killed_by = dict(mutant.get("killed_by", {}))
        expected = list(mutant.get("expected_killers", []))
        cells = []
        for check_id in checks:
            verdict = killed_by.get(check_id)
            if verdict is None:
                cells.append("—")
            elif verdict == Verdict.FALSIFIED.value:
                cells.append("💀 killed")
            else:
                word = "·" if verdict in _EVIDENCE_WORDS else verdict.lower().replace("_", " ")
                if check_id in expected:
                    word = "⚠️ missed" if word == "·" else f"⚠️ missed ({word})"
                cells.append(word)
        killers = [c for c in checks if killed_by.get(c) == Verdict.FALSIFIED.value]
        killers += [c for c, v in killed_by.items() if v == Verdict.FALSIFIED.value and c not in checks]
        mutants.append({
            "id": mutant["id"],
            "description": mutant.get("description", ""),
            "symbols": list(mutant.get("symbols", [])),
            "expected_killers": expected,
            "cells": cells,
            "killers": killers,
            "counterexample": mutant.get("counterexample"),
            "survived": bool(mutant.get("survived", not killers)),
            "seconds": mutant.get("seconds"),
        })
    killed = sum(not m["survived"] for m in mutants)
    for m in mutants:  # a survivor was never killed: it has no time to kill
        m["time_to_kill"] = text.format_seconds(m["seconds"]) if not m["survived"] and m["seconds"] is not None else "—"
    stats = time_to_kill_stats([{"mutants": [m for m in mutants if m["seconds"] is not None]}])
    timing = (f"time to kill: median {text.format_seconds(stats['median'])}, worst "
              f"{text.format_seconds(stats['worst'])}") if stats["killed"] else ""
    return {
        "timing": timing,
        "checks": checks,
        "mutants": mutants,
        "passed": bool(audit.get("passed", False)),
        "problems": list(audit.get("problems", [])),
        "killed": killed,
        "total": len(mutants),
    }


def _gate_view(contract: ContractRun) -> dict:
    checks = contract.checks
    rows = [
        {
            "result": res,
            "mark": _mark(res),
            "engine_mode": _engine_mode(res),
            "count": text.count_label(res),
            "time": text.format_seconds(res.seconds),
        }
        for res in checks
    ]
    failures = [
        {"result": res, "mark": _mark(res), "short_of_examples": text.is_short_of_examples(res)}
        for res in checks
        if not res.is_evidence
    ]
    return {
        "contract": contract,
        "gate": contract.gate,
        "heading": gate_heading(contract),
        "summary": text.summary_line(checks),
        "rows": rows,
        "failures": failures,
        "audit": _audit_view(contract.audit) if contract.audit is not None else None,
    }


_TOOL_ORDER = ("kvcontract", "python", "hypothesis", "z3", "numpy", "platform")


def _environment(run: RunResult) -> list[tuple[str, str]]:
    order = {name: index for index, name in enumerate(_TOOL_ORDER)}
    names = sorted(run.tool, key=lambda name: (order.get(name, len(order)), name))
    rows = [(name, str(run.tool[name])) for name in names]
    rows.append(("seed", str(run.seed)))
    rows.extend((f"option {name}", text.format_value(value)) for name, value in sorted(run.options.items()))
    return rows


def _environment_for(template_path: Path | None) -> jinja2.Environment:
    folder = (template_path or DEFAULT_TEMPLATE).parent
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # markdown, not HTML: cells are escaped by the filters below
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        cell=_cell, code=_code, fence=_fence, value=text.format_value, sorted_items=text.sorted_items
    )
    return env


def render_markdown(run: RunResult, *, template_path: str | Path | None = None, audit: bool = False) -> str:
    """The QA-gate report of ``run`` as markdown (raises jinja2 errors for a broken template)."""
    path = Path(template_path) if template_path is not None else None
    env = _environment_for(path)
    template = env.get_template((path or DEFAULT_TEMPLATE).name)
    rendered = template.render(
        run=run,
        passed=run.passed,
        gates=[_gate_view(contract) for contract in run.contracts],
        show_audit=audit,
        environment=_environment(run),
        reproduce=text.reproduce_run_command(run),
    )
    return _tidy(rendered)


_FENCE = re.compile(r"^\s*(`{3,})")


def _tidy(rendered: str) -> str:
    """Collapse blank-line runs left by template conditionals, never inside code fences."""
    out: list[str] = []
    fence: str | None = None
    for line in rendered.strip("\n").split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and match and len(match.group(1)) >= len(fence) and not line.strip().strip("`"):
            fence = None
        elif fence is None and not line.strip() and out and not out[-1].strip():
            continue
        out.append(line.rstrip() if fence is None else line)
    return "\n".join(out) + "\n"
