"""The solver portfolio: fast strategies first, every answer still sound."""
import z3

from kvcontract.engines.z3util import solve_portfolio


def test_the_portfolio_proves_nonlinear_monotonicity():
    L, S1, S2, n = z3.Ints("L S1 S2 n")
    premises = [L >= 1, L <= 1024, n >= 1, n <= 1024, S1 >= 1, S2 <= 10_000_000, S1 < S2]
    answer, _, model = solve_portfolio([*premises, z3.Not(L * S1 * n < L * S2 * n)], timeout_ms=5000, seed=0)
    assert answer == "unsat" and model is None


def test_the_portfolio_returns_a_real_model_when_sat():
    x, y = z3.Ints("x y")
    answer, _, model = solve_portfolio([x * y == 12, x > 2, y > 2], timeout_ms=5000, seed=0)
    assert answer == "sat"
    assert model.eval(x * y).as_long() == 12 and model.eval(x).as_long() > 2


def test_an_integer_only_contradiction_is_not_lost_to_the_real_relaxation():
    x = z3.Int("x")
    # Satisfiable over the reals (x = 0.5), unsat over the integers: nlsat's answers must not decide it.
    answer, _, _ = solve_portfolio([2 * x == 1], timeout_ms=5000, seed=0)
    assert answer == "unsat"
    answer, _, model = solve_portfolio([x * x == 4, x < 0], timeout_ms=5000, seed=0)
    assert answer == "sat" and model.eval(x).as_long() == -2
