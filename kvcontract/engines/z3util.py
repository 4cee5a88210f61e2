"""Solver hygiene shared by the Z3 engines.

Every check gets a FRESH solver with a fixed seed, a wall-clock timeout AND a
resource limit (``rlimit``: deterministic, unlike the timeout, so the same
run gives the same answer on a slower machine).  :func:`decide` turns z3's
three answers into ``"sat" | "unsat" | "unknown"`` plus the solver's reason.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

import z3

__all__ = ["RLIMIT_PER_MS", "fresh_solver", "fresh_optimize", "decide", "solve_portfolio", "PORTFOLIO_SLICE_MS"]

# Resource units allowed per millisecond of timeout: generous, so the timeout
# normally fires first on a loaded machine; the rlimit bounds a runaway search
# deterministically.
RLIMIT_PER_MS = 20_000


def _configure(target: Any, timeout_ms: int, seed: int, rlimit: int | None) -> None:
    target.set("timeout", max(1, int(timeout_ms)))
    target.set("random_seed", int(seed) % (2 ** 32))
    target.set("rlimit", int(rlimit if rlimit is not None else max(1, timeout_ms) * RLIMIT_PER_MS))


def fresh_solver(*, timeout_ms: int, seed: int, rlimit: int | None = None) -> z3.Solver:
    solver = z3.Solver()
    _configure(solver, timeout_ms, seed, rlimit)
    return solver


def fresh_optimize(*, timeout_ms: int, seed: int, rlimit: int | None = None) -> z3.Optimize:
    opt = z3.Optimize()
    _configure(opt, timeout_ms, seed, rlimit)
    return opt


def decide(solver: z3.Solver | z3.Optimize, assertions: Iterable[Any] = ()) -> tuple[str, str]:
    """("sat" | "unsat" | "unknown", reason) for the solver's assertions plus ``assertions``."""
    try:
        answer = solver.check(*assertions)
    except z3.Z3Exception as exc:  # e.g. canceled: treat as unknown, never as an answer
        return "unknown", f"solver error: {exc}"
    if answer == z3.sat:
        return "sat", ""
    if answer == z3.unsat:
        return "unsat", ""
    reason = solver.reason_unknown() or "unknown"
    if reason in ("canceled", "timeout"):
        reason = "timeout"
    elif "max. resource limit" in reason or "resource" in reason:
        reason = "resource limit (rlimit) reached"
    return "unknown", reason


# Each preprocessing strategy gets a short slice before the default solver takes the rest:
# measured on the shipped contracts, the default solver needs 1.1 s for kv_total's
# monotonicity, which simplify + solve-eqs + elim-uncnstr + smt decides in 2 ms, and
# 1.2 s for the footprint linearity law (0.15 s that way; nlsat: 0.2 s).
PORTFOLIO_SLICE_MS = 300


def _tactic_solver(kind: str) -> z3.Solver:
    if kind == "preprocess":
        return z3.Then("simplify", "propagate-values", "solve-eqs", "elim-uncnstr", "smt").solver()
    return z3.Then("simplify", "propagate-values", "solve-eqs", "qfnra-nlsat").solver()


def solve_portfolio(assertions: Iterable[Any], *, timeout_ms: int, seed: int,
                    rlimit: int | None = None) -> tuple[str, str, z3.ModelRef | None]:
    """(answer, reason, model) of the conjunction, trying fast strategies first.

    Sound by construction: "preprocess" is z3's own smt core after equivalence-
    preserving simplification (its sat and unsat both count); nlsat reads integers
    as reals, so only its unsat (unsat over the reals ⇒ unsat over the integers)
    is taken.  Anything else falls through to the default solver with the time left.
    """
    assertions = list(assertions)
    start = time.perf_counter()
    for kind, accept in (("preprocess", ("sat", "unsat")), ("nlsat", ("unsat",))):
        slice_ms = min(PORTFOLIO_SLICE_MS, timeout_ms)
        solver = _tactic_solver(kind)
        # The slice is bounded by rlimit alone: a wall-clock limit would let machine load decide
        # which strategy answers, and so which counterexample a report shows.
        solver.set("rlimit", max(1, slice_ms) * RLIMIT_PER_MS)
        solver.set("random_seed" if kind == "preprocess" else "seed", int(seed) % (2 ** 32))
        try:
            solver.add(*assertions)
        except z3.Z3Exception:  # a strategy that rejects the goal: the next one tries
            continue
        answer, _ = decide(solver)
        if answer in accept:
            model = solver.model() if answer == "sat" else None
            return answer, "", model
    left = timeout_ms - int((time.perf_counter() - start) * 1000)
    if left <= 0:
        return "unknown", "timeout", None
    solver = fresh_solver(timeout_ms=left, seed=seed, rlimit=rlimit)
    solver.add(*assertions)
    answer, reason = decide(solver)
    return answer, reason, solver.model() if answer == "sat" else None
