"""The kill matrix: per-mutant verdicts → the audit document, its problems and its text form.

A check *kills* a mutant when its verdict against the mutant is FALSIFIED (a
counterexample, replayed concretely).  Any other verdict that is not evidence
(ERROR, INCONCLUSIVE, VACUOUS, UNCHECKED) *stops* the mutant without killing
it: a crash or a solver timeout says nothing about whether the contract would
catch the bug, so an audit that relies on one fails.

The audit fails when any of these holds (one line in ``problems`` each):

* the baseline (the real binding) does not pass the checks the audit uses;
* a mutant survives every check, or no check even calls its symbols;
* a mutant is stopped only by non-FALSIFIED verdicts;
* a check named in a mutant's ``killed_by`` does not kill it;
* a killing check produced no counterexample;
* a falsification test kills no mutant at all (it could never fail).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..verdicts.model import EVIDENCE, CheckResult, Verdict

__all__ = ["MutantOutcome", "build_audit", "time_to_kill_stats", "format_matrix"]


@dataclass
class MutantOutcome:
    """What the affected checks said about one mutant."""

    id: str
    description: str
    symbols: list[str]
    expected_killers: list[str]
    results: dict[str, CheckResult] = field(default_factory=dict)  # check id -> result, plan order


def _last_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[-1] if (text or "").strip() else ""


def _mutant_entry(outcome: MutantOutcome, order: Sequence[str], problems: list[str]) -> dict:
    results = outcome.results
    killers = [cid for cid in order if cid in results and results[cid].verdict is Verdict.FALSIFIED]
    stoppers = [cid for cid in order if cid in results and results[cid].verdict not in EVIDENCE
                and results[cid].verdict is not Verdict.FALSIFIED]
    name = outcome.id
    if not results:
        problems.append(f"{name} survived: no check calls {', '.join(outcome.symbols)}, so nothing can kill it")
    elif not killers and stoppers:
        detail = "; ".join(f"{cid} {results[cid].verdict.value}"
                           + (f" ({_last_line(results[cid].error or results[cid].detail)})"
                              if (results[cid].error or results[cid].detail) else "")
                           for cid in stoppers)
        problems.append(f"{name} is stopped only by {detail}, never FALSIFIED: a crash or a timeout is not a kill")
    elif not killers:
        problems.append(f"{name} survived every check it reaches ({', '.join(c for c in order if c in results)})")
    for expected in outcome.expected_killers:
        got = results.get(expected)
        if got is None:
            problems.append(f"{name}: expected {expected} to kill it, but {expected} does not call "
                            f"{', '.join(outcome.symbols)}")
        elif got.verdict is not Verdict.FALSIFIED:
            problems.append(f"{name}: expected {expected} to kill it, it did not ({got.verdict.value})")
    for cid in killers:
        if results[cid].counterexample is None:
            problems.append(f"{name}: {cid} reports FALSIFIED without a counterexample")
    preferred = [c for c in outcome.expected_killers if c in killers] + killers
    first = results[preferred[0]] if preferred else None
    # Time to kill: the quickest killing check (the whole gate would find it that fast);
    # for a survivor, the time spent on every check that ran against it.
    if killers:
        seconds = min(results[cid].seconds for cid in killers)
    else:
        seconds = sum(res.seconds for res in results.values())
    return {
        "id": outcome.id,
        "description": outcome.description,
        "symbols": list(outcome.symbols),
        "expected_killers": list(outcome.expected_killers),
        "killed_by": {cid: results[cid].verdict.value for cid in order if cid in results},
        "counterexample": first.counterexample.to_json() if first and first.counterexample else None,
        "seconds": round(float(seconds), 6),
        "survived": not killers,
    }


def build_audit(outcomes: Sequence[MutantOutcome], *, check_order: Sequence[str],
                falsification_tests: Sequence[str], baseline: Mapping[str, CheckResult] | None = None,
                extra_problems: Iterable[str] = ()) -> dict:
    """The audit document of one contract (shape: ``ContractRun.audit``, docs/bindings.md "Mutants")."""
    problems: list[str] = list(extra_problems)
    if baseline is not None:
        for cid in check_order:
            res = baseline.get(cid)
            if res is not None and not res.is_evidence:
                problems.append(f"baseline: {cid} is {res.verdict.value} on the real binding, so its verdict "
                                f"against a mutant proves nothing; fix the gate first")
    if not outcomes:
        problems.append("no mutants: the contract's falsifiability was not shown (add a mutant file)")
    mutants = [_mutant_entry(outcome, check_order, problems) for outcome in outcomes]
    for test_id in falsification_tests:
        if not any(m["killed_by"].get(test_id) == Verdict.FALSIFIED.value for m in mutants):
            problems.append(f"{test_id} kills no mutant: as far as the bug zoo shows, it could never fail")
    used = {cid for m in mutants for cid in m["killed_by"]} | set(falsification_tests)
    columns = [cid for cid in check_order if cid in used]
    return {"mutants": mutants, "checks": columns, "passed": not problems, "problems": problems}


def time_to_kill_stats(audits: Iterable[dict]) -> dict:
    """Median and worst time to kill over every killed mutant of ``audits``."""
    times = [m["seconds"] for audit in audits for m in audit.get("mutants", []) if not m.get("survived")]
    if not times:
        return {"killed": 0, "median": None, "worst": None}
    return {"killed": len(times), "median": statistics.median(times), "worst": max(times)}


_CELL = {Verdict.FALSIFIED.value: "K"}


def _cell(verdict: str | None) -> str:
    if verdict is None:
        return "."
    if verdict in _CELL:
        return _CELL[verdict]
    if verdict in {v.value for v in EVIDENCE}:
        return "-"
    return verdict[0]  # E(RROR), I(NCONCLUSIVE), V(ACUOUS), U(NCHECKED)


def format_matrix(contract_id: str, audit: dict) -> str:
    """A plain-text kill matrix for the terminal: one row per mutant, one column per check."""
    checks = audit.get("checks", [])
    mutants = audit.get("mutants", [])
    killed = sum(not m["survived"] for m in mutants)
    status = "PASS" if audit.get("passed") else "FAIL"
    lines = [f"{status} {contract_id}: {killed} of {len(mutants)} mutants killed"]
    if mutants and checks:
        width = max(len(m["id"]) for m in mutants)
        lines.append(" " * (width + 2) + " ".join(f"{i + 1:>2}" for i in range(len(checks))))
        for m in mutants:
            cells = " ".join(f"{_cell(m['killed_by'].get(c)):>2}" for c in checks)
            outcome = "SURVIVED" if m["survived"] else f"killed in {m['seconds']:.2f}s"
            lines.append(f"  {m['id']:<{width}} {cells}   {outcome}")
        lines.extend(f"  {i + 1:>2} {c}" for i, c in enumerate(checks))
        lines.append("  K killed (FALSIFIED) · - evidence (not killed) · E/I/V/U stopped without a kill · . not run")
    lines.extend(f"  problem: {p}" for p in audit.get("problems", []))
    return "\n".join(lines)
