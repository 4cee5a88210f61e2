"""Terminal output: one pytest-like line per check, failures in full, a closing summary.

Colour (ANSI) only when the caller passes ``colour=True`` (the CLI decides from
``--color`` / ``NO_COLOR`` / isatty); everything else is plain text, so output
captured in a CI log or a golden file has no escape codes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..verdicts.model import CheckResult, RunResult, Verdict
from . import text

__all__ = ["format_check_line", "format_failures", "format_summary"]

_GREEN, _RED, _YELLOW, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"

# Column widths: the longest id of the shipped contracts and the longest verdict word.
_ID_WIDTH = 24
_ENGINE_WIDTH = 10
_VERDICT_WIDTH = len(Verdict.VERIFIED_BOUNDED.value)
_COUNT_WIDTH = 15


def _paint(word: str, code: str, colour: bool) -> str:
    return f"{code}{word}{_RESET}" if colour else word


def _verdict_colour(res: CheckResult) -> str:
    if res.is_evidence:
        return _GREEN
    if res.verdict in (Verdict.FALSIFIED, Verdict.ERROR):
        return _RED
    return _YELLOW  # inconclusive, vacuous, unchecked, too few examples: not evidence either


def format_check_line(result: CheckResult, *, colour: bool = False) -> str:
    """``FALSIFY-KV-001  hypothesis  NOT_FALSIFIED  1000 examples  0.42s``, in aligned columns."""
    verdict = result.verdict.value.ljust(_VERDICT_WIDTH)
    if text.is_short_of_examples(result):
        verdict = f"{result.verdict.value} (too few examples)"
    parts = [
        result.check_id.ljust(_ID_WIDTH),
        (result.engine or "—").ljust(_ENGINE_WIDTH),
        _paint(verdict, _verdict_colour(result), colour),
        text.count_label(result).ljust(_COUNT_WIDTH),
        text.format_seconds(result.seconds),
    ]
    return "  ".join(parts)


def format_failures(run: RunResult) -> str:
    """Every check that is not evidence, in full (empty when there is none)."""
    blocks = []
    for contract in run.contracts:
        for res in contract.checks:
            if not res.is_evidence:
                blocks.append(f"___ {contract.contract} :: {res.check_id} ___\n{text.failure_text(res)}")
    return "\n\n".join(blocks)


def format_summary(run: RunResult, *, written: Mapping[str, Path | str] | None = None,
                   colour: bool = False) -> str:
    """Per contract: the gate's verdict, its counts and why it failed; then where reports went."""
    lines = []
    for contract in run.contracts:
        gate = contract.gate
        word = _paint("PASS", _GREEN, colour) if gate.passed else _paint("FAIL", _RED + _BOLD, colour)
        name = " ".join(part for part in (gate.gate_id, gate.name) if part)
        lines.append(f"{word}  {contract.contract}" + (f"  {name}" if name else ""))
        lines.append(f"      {text.summary_line(contract.checks)}")
        lines.extend(f"      - {reason}" for reason in gate.reasons)
    if not run.contracts:
        lines.append(_paint("FAIL", _RED + _BOLD, colour) + "  no contract was checked")
    if written:
        lines.append("reports:")
        lines.extend(f"  {kind}: {path}" for kind, path in written.items())
    passed = sum(c.gate.passed for c in run.contracts)
    failed = len(run.contracts) - passed
    verdict = "gate passed" if run.passed else "gate failed"
    tally = f"{text.plural(passed, 'gate')} passed, {failed} failed"
    closing = f"{'=' * 10} {verdict}: {tally} (seed {run.seed}) {'=' * 10}"
    lines.append(_paint(closing, _GREEN if run.passed else _RED, colour))
    return "\n".join(lines)
