"""Solver hygiene shared by the Z3 engines.

Every check gets a FRESH solver with a fixed seed, a wall-clock timeout AND a
resource limit (``rlimit``: deterministic, unlike the timeout, so the same
run gives the same answer on a slower machine).  :func:`decide` turns z3's
three answers into ``"sat" | "unsat" | "unknown"`` plus the solver's reason.
"""
from __future__ import annotations

from typing import Any, Iterable

import z3

__all__ = ["RLIMIT_PER_MS", "fresh_solver", "fresh_optimize", "decide"]

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
