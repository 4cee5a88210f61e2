"""Wording shared by every report, so markdown, JUnit and terminal say the same thing.

The one-line summary of a gate, the plain-text form of a failure, the command
that reproduces a run: each is written once here and used by every renderer.
"""
from __future__ import annotations

import json
import shlex
from typing import Any, Iterable

from ..verdicts.model import CheckResult, RunResult, Verdict

__all__ = [
    "plural",
    "format_value",
    "format_seconds",
    "sorted_items",
    "count_label",
    "is_exhaustive",
    "is_short_of_examples",
    "summary_line",
    "failure_text",
    "reproduce_run_command",
]


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def format_value(value: Any) -> str:
    """A drawn input as a reader would write it: JSON for data, strings quoted."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def sorted_items(mapping: dict) -> list[tuple[str, Any]]:
    """Items by key, as ``json.dumps(sort_keys=True)`` orders them in the Result JSON."""
    return sorted(mapping.items())


def format_seconds(seconds: float) -> str:
    return f"{seconds:.2f}s"


def is_exhaustive(res: CheckResult) -> bool:
    """Did the check enumerate every input of its (finite) domain, rather than sample it?"""
    enumerated = res.engine == "exhaustive" or "exhaustive: all " in res.mode  # bounded.py / falsify.py wording
    return bool(res.cases) and enumerated and res.verdict is not Verdict.NOT_FALSIFIED


def is_short_of_examples(res: CheckResult) -> bool:
    """NOT_FALSIFIED, but on fewer examples than the check's minimum: not evidence."""
    return res.verdict is Verdict.NOT_FALSIFIED and not res.is_evidence


def count_label(res: CheckResult) -> str:
    """How much work backs the verdict: examples, cases, or the proof's mode.

    An exhaustive enumeration says both how many inputs it ran and how many of
    them met the premise (``64 cases, 32 met the premise``): its evidence is the
    whole domain, not a sample, so the example minimum does not apply.
    """
    if is_exhaustive(res):
        return f"{plural(res.cases, 'case')}, {res.examples} met the premise"
    if res.verdict is Verdict.NOT_FALSIFIED or res.examples:
        text = plural(res.examples, "example")
        if is_short_of_examples(res):
            text = f"{res.examples}/{res.min_examples} examples"
        return text
    if res.cases:
        return plural(res.cases, "case")
    if res.bound is not None:
        return f"bound {res.bound}"
    return "—"


_FAILURE_WORDS = [
    (Verdict.FALSIFIED, "falsified", "falsified"),
    (Verdict.ERROR, "error", "errors"),
    (Verdict.INCONCLUSIVE, "inconclusive", "inconclusive"),
    (Verdict.VACUOUS, "vacuous", "vacuous"),
    (Verdict.UNCHECKED, "unchecked", "unchecked"),
]


def summary_line(checks: Iterable[CheckResult]) -> str:
    """``9 checks: 1 proved, 1 verified within bounds, 6 not falsified in 6000 examples; 1 falsified``."""
    checks = list(checks)
    if not checks:
        return "0 checks: nothing was checked"
    proved = sum(r.verdict is Verdict.PROVED for r in checks)
    bounded = sum(r.verdict is Verdict.VERIFIED_BOUNDED for r in checks)
    sampled = [r for r in checks if r.verdict is Verdict.NOT_FALSIFIED and r.is_evidence]
    evidence = []
    if proved:
        evidence.append(f"{proved} proved")
    if bounded:
        evidence.append(f"{bounded} verified within bounds")
    if sampled:
        examples = sum(r.examples for r in sampled)
        evidence.append(f"{len(sampled)} not falsified in {plural(examples, 'example')}")
    failures = []
    short = sum(is_short_of_examples(r) for r in checks)
    for verdict, one, many in _FAILURE_WORDS:
        count = sum(r.verdict is verdict for r in checks)
        if count:
            failures.append(f"{count} {one if count == 1 else many}")
    if short:
        failures.append(f"{short} with too few examples")
    head = plural(len(checks), "check")
    body = ", ".join(evidence) if evidence else "no evidence"
    tail = ", ".join(failures) if failures else "no failures"
    return f"{head}: {body}; {tail}"


def failure_text(res: CheckResult) -> str:
    """Everything about one non-evidence check, as plain text (JUnit bodies, terminals)."""
    lines = [f"{res.check_id} {res.verdict.value}" + (f": {res.title}" if res.title else "")]
    if res.detail:
        lines.append(res.detail)
    if is_short_of_examples(res):
        lines.append(f"ran {res.examples} examples, fewer than the minimum {res.min_examples}")
    cx = res.counterexample
    if cx is not None:
        if cx.message:
            lines.append(cx.message)
        if not cx.replayed:
            lines.append("(not replayed concretely)")
        if cx.inputs:  # render only what exists: a contract-level ERROR has no inputs
            lines.append("inputs:")
            lines.extend(f"  {name} = {format_value(value)}" for name, value in sorted_items(cx.inputs))
        if cx.actual is not None:
            lines.append(f"implementation: {cx.actual}")
        if cx.expected is not None:
            lines.append(f"specification:  {cx.expected}")
        if cx.explanation:
            lines.append("sub-expressions:")
            lines.extend(f"  {expr} = {value}" for expr, value in cx.explanation)
        if cx.yaml_example and cx.inputs:
            lines.append("add as an example:")
            lines.extend(f"  {line}" for line in cx.yaml_example.rstrip("\n").splitlines())
        if cx.reproduce:
            lines.append(f"reproduce: {cx.reproduce}")
    if res.error:
        lines.append("implementation traceback:")
        lines.append(res.error.rstrip("\n"))
    if res.seed is not None:
        lines.append(f"seed: {res.seed}")
    return "\n".join(lines)


def reproduce_run_command(run: RunResult) -> str:
    """The recorded command, with the run's seed added when the command did not fix it."""
    argv = list(run.command) or ["kvcontract", "check"]
    if not any(arg == "--seed" or arg.startswith("--seed=") for arg in argv):
        argv += ["--seed", str(run.seed)]
    return shlex.join(argv)
