"""How the Hypothesis and Z3 halves of a conformance check combine."""
from __future__ import annotations

import pytest

from kvcontract.engines.conformance import combine
from kvcontract.verdicts.model import CheckResult, Verdict


def hyp(verdict: Verdict, examples: int = 100, min_examples: int = 100) -> CheckResult:
    return CheckResult("CONFORM:x", "conformance", "c", verdict, engine="hypothesis", examples=examples,
                       min_examples=min_examples, detail="hypothesis detail", seed=5)


def z3(verdict: Verdict) -> CheckResult:
    return CheckResult("CONFORM:x", "conformance", "c", verdict, engine="z3", detail="z3 detail", bound=4)


@pytest.mark.parametrize("h, z, expected", [
    (Verdict.NOT_FALSIFIED, Verdict.PROVED, Verdict.PROVED),
    (Verdict.NOT_FALSIFIED, Verdict.VERIFIED_BOUNDED, Verdict.VERIFIED_BOUNDED),
    (Verdict.NOT_FALSIFIED, Verdict.FALSIFIED, Verdict.FALSIFIED),
    (Verdict.NOT_FALSIFIED, Verdict.ERROR, Verdict.ERROR),
    (Verdict.NOT_FALSIFIED, Verdict.INCONCLUSIVE, Verdict.NOT_FALSIFIED),
    (Verdict.NOT_FALSIFIED, Verdict.UNCHECKED, Verdict.NOT_FALSIFIED),
    (Verdict.NOT_FALSIFIED, Verdict.VACUOUS, Verdict.VACUOUS),
    (Verdict.VERIFIED_BOUNDED, Verdict.PROVED, Verdict.PROVED),
])
def test_combination_table(h, z, expected):
    result = combine(hyp(h), z3(z))
    assert result.verdict is expected
    assert "z3" in result.detail.lower() or result.verdict is Verdict.FALSIFIED


def test_a_bounded_z3_result_does_not_rescue_too_few_examples():
    short = hyp(Verdict.NOT_FALSIFIED, examples=10, min_examples=1000)
    result = combine(short, z3(Verdict.VERIFIED_BOUNDED))
    assert result.verdict is Verdict.NOT_FALSIFIED and not result.is_evidence
    assert combine(hyp(Verdict.NOT_FALSIFIED, 10, 1000), z3(Verdict.PROVED)).is_evidence


def test_z3_unavailable_leaves_hypothesis_with_a_note():
    result = combine(hyp(Verdict.NOT_FALSIFIED), "Z3 conformance unavailable (reason)")
    assert result.verdict is Verdict.NOT_FALSIFIED and "unavailable" in result.detail
