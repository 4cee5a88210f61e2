"""The symbolic interpreter: side conditions, tracing, sequences, domains."""
from __future__ import annotations

import pytest
import z3

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import EquationFn, ImplFn, Scope
from kvcontract.expr.symbolic import NotSymbolic, SymContext, SymSeq, translate, translate_bool
from kvcontract.expr.symbolic_domains import declare_variables, read_model

POS = SourcePos("test")


def _int(lo, hi) -> Domain:
    return Domain("int", POS, min=parse_expr(str(lo)), max=parse_expr(str(hi)))


def _valid(formula) -> bool:
    solver = z3.Solver()
    solver.add(z3.Not(formula))
    return solver.check() == z3.unsat


def _sides(ctx: SymContext):
    return z3.And(*[s.condition for s in ctx.side_conditions]) if ctx.side_conditions else z3.BoolVal(True)


def test_division_side_condition_is_guarded_by_short_circuit():
    ctx = SymContext()
    a, b = z3.Int("a"), z3.Int("b")
    translate(parse_expr("b != 0 and a // b > 1"), Scope({"a": a, "b": b}), ctx)
    assert _valid(_sides(ctx))  # the division only happens when b != 0
    ctx = SymContext()
    translate(parse_expr("a // b > 1 or b == 0"), Scope({"a": a, "b": b}), ctx)
    assert not _valid(_sides(ctx))  # here it happens first, so b == 0 is a real failure


def test_concrete_subterms_stay_python_values():
    ctx = SymContext()
    value = translate(parse_expr("sizeof(d) * 2 + len(xs)"), Scope({"d": "f32", "xs": [1, 2, 3]}), ctx)
    assert value == 11 and isinstance(value, int)


def test_sizeof_of_a_symbolic_enum_is_the_table():
    ctx = SymContext()
    symbols, constraints = declare_variables({"d": Domain("enum", POS, values=("f16", "f64", "int8"))}, ctx)
    size = translate(parse_expr("sizeof(d)"), Scope(symbols), ctx)
    assert _valid(z3.Implies(z3.And(*constraints), z3.Or(size == 2, size == 8, size == 1)))
    assert not _valid(z3.Implies(z3.And(*constraints), size == 2))


def test_dependent_bounds_and_derived_values():
    ctx = SymContext()
    domains = {
        "S": _int(1, 100),
        "kv_len": Domain("int", POS, min=parse_expr("0"), max=parse_expr("S")),
        "twice": Domain("derived", POS, value=parse_expr("2 * kv_len")),
    }
    symbols, constraints = declare_variables(domains, ctx)
    premise = z3.And(*constraints)
    assert _valid(z3.Implies(premise, symbols["kv_len"] <= symbols["S"]))
    assert _valid(z3.Implies(premise, symbols["twice"] <= 200))
    solver = z3.Solver()
    solver.add(premise, symbols["kv_len"] == 7)
    assert solver.check() == z3.sat
    inputs = read_model(solver.model(), symbols, domains, ctx)
    assert inputs["kv_len"] == 7 and "twice" not in inputs  # derived values are recomputed on replay


def test_count_over_a_bounded_list_unrolls_with_length_guards():
    ctx = SymContext()
    kinds = ("full", "linear")
    domains = {"ts": Domain("list", POS, element=Domain("enum", POS, values=kinds), min_len=0, max_len=4)}
    symbols, constraints = declare_variables(domains, ctx)
    scope = Scope(symbols)
    full = translate(parse_expr("count(t == 'full' for t in ts)"), scope, ctx)
    linear = translate(parse_expr("count(t == 'linear' for t in ts)"), scope, ctx)
    assert _valid(z3.Implies(z3.And(*constraints), full + linear == symbols["ts"].length))


def test_traceable_implementation_becomes_a_term():
    sizes = {"f16": 2, "f32": 4}
    impl = ImplFn("kv_bytes", ("n", "dtype"), lambda n, dtype: 2 * n * sizes[dtype])
    n = z3.Int("n")
    ctx = SymContext()
    term = translate(parse_expr("kv_bytes(n, 'f32')"), Scope({"n": n}, {"kv_bytes": impl}), ctx)
    assert _valid(term == 8 * n)


def test_a_branching_implementation_is_traced_on_every_path():
    impl = ImplFn("f", ("n",), lambda n: n if n > 0 else 0)
    n = z3.Int("n")
    term = translate(parse_expr("f(n)"), Scope({"n": n}, {"f": impl}), SymContext())
    assert _valid(term == z3.If(n > 0, n, 0))


@pytest.mark.parametrize("body", [
    lambda n: int(n) * 2,  # needs the concrete value
    lambda n: [0, 1, 2][n],  # indexes with it
])
def test_untraceable_implementations_raise_not_symbolic(body):
    impl = ImplFn("f", ("n",), body)
    with pytest.raises(NotSymbolic):
        translate(parse_expr("f(n)"), Scope({"n": z3.Int("n")}, {"f": impl}), SymContext())


def test_an_implementation_that_swallows_the_tracing_failure_is_still_not_traced():
    def sneaky(n):
        try:
            return int(n) * 2
        except Exception:  # noqa: BLE001 - the point of the test
            return 0

    impl = ImplFn("f", ("n",), sneaky)
    with pytest.raises(NotSymbolic):
        translate(parse_expr("f(n)"), Scope({"n": z3.Int("n")}, {"f": impl}), SymContext())


def test_traced_floor_division_keeps_python_semantics():
    impl = ImplFn("f", ("a",), lambda a: a // -2)
    a = z3.Int("a")
    ctx = SymContext()
    term = translate(parse_expr("f(a)"), Scope({"a": a}, {"f": impl}), ctx)
    assert z3.simplify(z3.substitute(term, (a, z3.IntVal(-7)))).as_long() == -7 // -2
    assert z3.simplify(z3.substitute(term, (a, z3.IntVal(7)))).as_long() == 7 // -2


def test_equation_inlining_binds_keyword_arguments():
    fns = {"total": EquationFn("total", ("L", "S"), parse_expr("L * S"))}
    L, S, S1 = z3.Ints("L S S1")
    term = translate(parse_expr("total(S=S1)"), Scope({"L": L, "S": S, "S1": S1}, fns), SymContext())
    assert _valid(term == L * S1)


def test_long_lists_are_arrays_and_append_is_store():
    ctx = SymContext(unroll_limit=8)
    domains = {
        "xs": Domain("list", POS, element=_int(-5, 5), min_len=0, max_len=10_000),
        "v": _int(-5, 5),
    }
    symbols, constraints = declare_variables(domains, ctx)
    assert isinstance(symbols["xs"], SymSeq)
    scope = Scope(symbols)
    premise = z3.And(*constraints)
    for text in ("append(xs, v)[-1] == v", "len(append(xs, v)) == len(xs) + 1",
                 "append(xs, v)[:len(xs)] == xs", "all(x <= 5 for x in append(xs, v))"):
        ctx.side_conditions.clear()
        prop = translate_bool(parse_expr(text), scope, ctx)
        assert _valid(z3.Implies(premise, z3.And(prop, _sides(ctx)))), text
    wrong = translate_bool(parse_expr("append(xs, v)[0] == v"), scope, ctx)
    assert not _valid(z3.Implies(premise, wrong))


def test_width_check_records_overflow_of_each_product():
    ctx = SymContext(check_width=8, signed=True)
    a, b = z3.Ints("a b")
    translate(parse_expr("a * b"), Scope({"a": a, "b": b}), ctx)
    fits = _sides(ctx)
    solver = z3.Solver()
    solver.add(a == 16, b == 8, z3.Not(fits))
    assert solver.check() == z3.sat  # 128 does not fit int8
    solver = z3.Solver()
    solver.add(a == 15, b == 8, z3.Not(fits))
    assert solver.check() == z3.unsat


def test_a_repeated_test_on_one_path_does_not_branch_again():
    calls = []

    def validate_twice(n):
        calls.append(1)
        if n < 1:  # validation ...
            if n < 1:  # ... and the error path asking the same question again
                raise ValueError("n must be >= 1")
        return n

    impl = ImplFn("f", ("n",), validate_twice)
    ctx = SymContext()
    translate(parse_expr("f(n)"), Scope({"n": z3.Int("n")}, {"f": impl}), ctx)
    assert len(calls) == 2 and len(ctx.trace_paths) == 2  # not 3: the inner test is already decided
