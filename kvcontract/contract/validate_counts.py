"""KV407: counts written in a gate's ``pass_criteria`` must be the real counts.

A count is a number (digits, or a word from one to twenty) next to a
countable noun (falsification tests, tests, harnesses, obligations, checks).
Forms that state the whole count are verified (an error when wrong):
"All 6 falsification tests pass", "All six tests pass", "all 6 of the tests",
"6/6 falsification tests", "6 of 6 tests", "6 out of 6 tests".  Any other
number next to such a noun ("6 tests pass", "at least 3 checks") is only a
warning when it differs from the real count, since the sentence may qualify it.
"""
from __future__ import annotations

import re

from ..diagnostics import Diagnostic
from .model import Contract

__all__ = ["COUNT_PATTERN", "check_counts", "count_claims"]

_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen twenty").split()
_NUMBER_VALUES = {word: value for value, word in enumerate(_WORDS)}
_NUMBER = r"(?:\d+|" + "|".join(_WORDS) + r")"
_NOUN = (r"(falsification\s+tests?|tests?|kani\s+harness(?:es)?|harness(?:es)?|"
         r"proof\s+obligations?|obligations?|checks?)")

# "all N NOUN", "all N of the NOUN"
COUNT_PATTERN = re.compile(rf"\ball\s+({_NUMBER})\s+(?:of\s+the\s+)?{_NOUN}\b", re.IGNORECASE)
_FRACTION = re.compile(rf"\b{_NUMBER}\s*(?:/|\bof\b|\bout\s+of\b)\s*({_NUMBER})\s+(?:the\s+)?{_NOUN}\b",
                       re.IGNORECASE)
_BARE = re.compile(rf"\b({_NUMBER})\s+{_NOUN}\b", re.IGNORECASE)


def _value(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_VALUES[text.lower()]


def count_claims(text: str) -> list[tuple[int, int, str, bool]]:
    """``(offset of the number, claimed count, noun, verified form)`` for each count in ``text``."""
    claims: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_FRACTION, COUNT_PATTERN):
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            claims.append((match.start(1), _value(match.group(1)), match.group(2), True))
    for match in _BARE.finditer(text):
        if not any(a <= match.start(1) < b for a, b in taken):
            claims.append((match.start(1), _value(match.group(1)), match.group(2), False))
    return sorted(claims)


def _real_count(contract: Contract, noun: str) -> tuple[int, str]:
    kind = noun.lower()
    if "harness" in kind:
        return len(contract.harnesses), "kani_harnesses"
    if "obligation" in kind:
        return len(contract.obligations), "proof_obligations"
    if "check" in kind:
        return len(contract.gate.checks) if contract.gate else 0, "qa_gate checks"
    return len(contract.falsification_tests), "falsification_tests"


def check_counts(contract: Contract) -> list[Diagnostic]:
    """KV407 for every count in the gate's ``pass_criteria`` that is not the real count."""
    gate = contract.gate
    if gate is None:
        return []
    out: list[Diagnostic] = []
    for offset, claimed, noun, verified in count_claims(gate.pass_criteria):
        real, label = _real_count(contract, noun)
        if claimed == real:
            continue
        noun = " ".join(noun.split())
        pos = gate.pass_criteria_pos.shifted(offset) if gate.pass_criteria_pos else gate.pos
        if verified:
            out.append(Diagnostic("KV407", f"pass_criteria claims {claimed} {noun} but the contract has {real} "
                                  f"{label}", pos, hint="write the real count, or drop the number"))
        else:
            out.append(Diagnostic("KV407", f"pass_criteria mentions {claimed} {noun}, but the contract has {real} "
                                  f"{label}; this count cannot be verified", pos, "warning",
                                  hint="write 'All N ...' with the real count, or drop the number"))
    return out
