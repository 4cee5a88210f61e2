"""The two interpreters agree: concrete.evaluate == the Z3 term under the same values.

Hypothesis builds random well-typed trees (ints, bools, enums; + - * // % with
negative operands, comparison chains, implication, if-expressions, min/max/abs,
sizeof, count/sum/all/any over small lists, subscripts) and random values.
Each variable is either symbolic (a z3 symbol from ``declare_variables``,
then substituted by its value) or fixed to its value up front, so both the
symbolic and the partially evaluated paths are compared.  When the concrete
evaluation fails (division by zero, index out of range), the symbolic side
conditions must be violated by those values instead.
"""
from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvcontract.contract.model import Domain
from kvcontract.diagnostics import SourcePos
from kvcontract.expr import concrete
from kvcontract.expr import nodes as n
from kvcontract.expr.builtins import DTYPE_SIZES
from kvcontract.expr.scope import EquationFn, Scope
from kvcontract.expr.symbolic import SymContext, SymList, SymStr, translate
from kvcontract.expr.symbolic_domains import declare_variables

POS = SourcePos("agreement")
DTYPES = tuple(DTYPE_SIZES)
INTS = ("a", "b", "c")
BOOLS = ("p", "q")
MAX_LEN = 3


def _num_domain(lo: int, hi: int) -> Domain:
    return Domain("int", POS, min=n.Num(value=lo), max=n.Num(value=hi))


DOMAINS = {
    **{name: _num_domain(-12, 12) for name in INTS},
    **{name: Domain("bool", POS) for name in BOOLS},
    "e": Domain("enum", POS, values=DTYPES),
    "xs": Domain("list", POS, element=_num_domain(-12, 12), min_len=0, max_len=MAX_LEN),
    "ts": Domain("list", POS, element=Domain("enum", POS, values=DTYPES), min_len=0, max_len=MAX_LEN),
}
# An equation, so inlining of EquationFn bodies is compared too.
FUNCTIONS = {"twice_plus": EquationFn("twice_plus", ("a", "b"), n.Binary(op="+", left=n.Binary(
    op="*", left=n.Num(value=2), right=n.Name(id="a")), right=n.Name(id="b")))}

small_int = st.integers(-12, 12)
values_strategy = st.fixed_dictionaries({
    **{name: small_int for name in INTS},
    **{name: st.booleans() for name in BOOLS},
    "e": st.sampled_from(DTYPES),
    "xs": st.lists(small_int, max_size=MAX_LEN),
    "ts": st.lists(st.sampled_from(DTYPES), max_size=MAX_LEN),
})


def enum_expr(depth: int):
    leaves = st.one_of(st.builds(lambda v: n.Str(value=v), st.sampled_from(DTYPES + ("zz",))),
                       st.just(n.Name(id="e")))
    if depth <= 0:
        return leaves
    return st.one_of(leaves, st.builds(lambda c, a, b: n.IfExp(cond=c, then=a, orelse=b),
                                       bool_expr(depth - 1), enum_expr(depth - 1), enum_expr(depth - 1)))


def int_expr(depth: int):
    leaves = st.one_of(st.builds(lambda v: n.Num(value=v), st.integers(0, 6)),
                       st.builds(lambda v: n.Name(id=v), st.sampled_from(INTS)),
                       st.just(n.Call(func="sizeof", args=(n.Name(id="e"),))))
    if depth <= 0:
        return leaves
    sub = int_expr(depth - 1)
    x = n.Name(id="x")
    return st.one_of(
        leaves,
        st.builds(lambda op, l, r: n.Binary(op=op, left=l, right=r), st.sampled_from(["+", "-", "*", "//", "%"]), sub, sub),
        # Floor division and modulo with operands of either sign: where Z3's Euclidean division differs.
        st.builds(lambda op, l, r: n.Binary(op=op, left=l, right=r), st.sampled_from(["//", "%"]), sub, sub),
        st.builds(lambda op, l, r: n.Binary(op=op, left=l, right=n.Unary(op="-", operand=r)),
                  st.sampled_from(["//", "%"]), sub, leaves),
        st.builds(lambda v: n.Unary(op="-", operand=v), sub),
        st.builds(lambda f, a, b: n.Call(func=f, args=(a, b)), st.sampled_from(["min", "max", "ceil_div", "floor_div"]), sub, sub),
        st.builds(lambda v: n.Call(func="abs", args=(v,)), sub),
        st.builds(lambda v: n.Call(func="sizeof", args=(v,)), enum_expr(depth - 1)),
        st.builds(lambda c, a, b: n.IfExp(cond=c, then=a, orelse=b), bool_expr(depth - 1), sub, sub),
        st.builds(lambda op, k: n.Call(func="count", args=(n.Generator(
            elt=n.Compare(left=x, ops=(op,), comparators=(k,)), var="x", iter=n.Name(id="xs")),)),
            st.sampled_from(["<", "==", ">="]), sub),
        st.builds(lambda v: n.Call(func="count", args=(n.Generator(
            elt=n.Compare(left=n.Name(id="t"), ops=("==",), comparators=(v,)), var="t", iter=n.Name(id="ts")),)),
            enum_expr(0)),
        st.builds(lambda f: n.Call(func=f, args=(n.Name(id="xs"),)), st.sampled_from(["sum", "len"])),
        st.builds(lambda f: n.Call(func=f, args=(n.Name(id="xs"),)), st.sampled_from(["max", "min"])),
        st.builds(lambda i: n.Subscript(value=n.Name(id="xs"), index=i), sub),
        st.builds(lambda a, b: n.Call(func="twice_plus", args=(a,), kwargs=(("b", b),)), sub, sub),
    )


def bool_expr(depth: int):
    leaves = st.one_of(st.builds(lambda v: n.Bool(value=v), st.booleans()),
                       st.builds(lambda v: n.Name(id=v), st.sampled_from(BOOLS)))
    if depth <= 0:
        return leaves
    sub, ints = bool_expr(depth - 1), int_expr(depth - 1)
    compare_op = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        leaves,
        st.builds(lambda l, ops, rs: n.Compare(left=l, ops=tuple(ops), comparators=tuple(rs)),
                  ints, st.lists(compare_op, min_size=2, max_size=2), st.lists(ints, min_size=2, max_size=2)),
        st.builds(lambda l, op, r: n.Compare(left=l, ops=(op,), comparators=(r,)), ints, compare_op, ints),
        st.builds(lambda l, op, r: n.Compare(left=l, ops=(op,), comparators=(r,)),
                  enum_expr(depth - 1), st.sampled_from(["==", "!="]), enum_expr(depth - 1)),
        st.builds(lambda op, vs: n.BoolOp(op=op, values=tuple(vs)), st.sampled_from(["and", "or"]),
                  st.lists(sub, min_size=2, max_size=3)),
        st.builds(lambda v: n.Unary(op="not", operand=v), sub),
        st.builds(lambda a, b: n.Implies(premise=a, conclusion=b), sub, sub),
        st.builds(lambda v, lo, hi, lc, hc: n.Interval(value=v, lo=lo, hi=hi, lo_closed=lc, hi_closed=hc),
                  ints, ints, ints, st.booleans(), st.booleans()),
        st.builds(lambda v, neg: n.Compare(left=v, ops=("not_in" if neg else "in",), comparators=(n.Name(id="xs"),)),
                  ints, st.booleans()),
        st.builds(lambda f, op, k: n.Call(func=f, args=(n.Generator(
            elt=n.Compare(left=n.Name(id="x"), ops=(op,), comparators=(k,)), var="x", iter=n.Name(id="xs")),)),
            st.sampled_from(["all", "any"]), compare_op, ints),
    )


any_expr = st.one_of(int_expr(3), bool_expr(3))


def _symbolic_value(value, substitutions, ctx: SymContext):
    """The z3 value of ``value`` once every symbol is replaced by its drawn value."""
    if isinstance(value, SymStr):
        code = z3.simplify(z3.substitute(value.code, *substitutions))
        return ctx.decode(code.as_long())
    if isinstance(value, SymList):
        length = _symbolic_value(value.length, substitutions, ctx)
        return [_symbolic_value(v, substitutions, ctx) for v in value.items[:length]]
    if isinstance(value, z3.ExprRef):
        result = z3.simplify(z3.substitute(value, *substitutions))
        if z3.is_true(result) or z3.is_false(result):
            return z3.is_true(result)
        if z3.is_int_value(result):
            return result.as_long()
        raise AssertionError(f"did not simplify to a value: {result}")
    return value


def _substitutions(symbols: dict, drawn: dict, ctx: SymContext) -> list:
    pairs = []
    for name, sym in symbols.items():
        value = drawn[name]
        if isinstance(sym, SymStr):
            pairs.append((sym.code, z3.IntVal(ctx.code(value))))
        elif isinstance(sym, SymList):
            pairs.append((sym.length, z3.IntVal(len(value))))
            for k, item in enumerate(sym.items):
                fill = value[k] if k < len(value) else (DTYPES[0] if isinstance(item, SymStr) else 0)
                pairs.extend(_substitutions({f"{name}[{k}]": item}, {f"{name}[{k}]": fill}, ctx))
        elif isinstance(sym, z3.BoolRef):
            pairs.append((sym, z3.BoolVal(value)))
        elif isinstance(sym, z3.ExprRef):
            pairs.append((sym, z3.IntVal(value)))
    return pairs


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=any_expr, drawn=values_strategy, fixed_names=st.sets(st.sampled_from(sorted(DOMAINS))))
def test_concrete_and_symbolic_agree(tree, drawn, fixed_names):
    ctx = SymContext()
    fixed = {name: drawn[name] for name in fixed_names}
    symbols, constraints = declare_variables(DOMAINS, ctx, fixed=fixed)
    substitutions = _substitutions({k: v for k, v in symbols.items() if k not in fixed}, drawn, ctx)
    for constraint in constraints:  # the drawn values are inside the declared domains
        assert _symbolic_value(constraint, substitutions, ctx) is True

    symbolic = translate(tree, Scope(symbols, FUNCTIONS), ctx)
    defined = all(_symbolic_value(side.condition, substitutions, ctx) for side in ctx.side_conditions)
    try:
        expected = concrete.evaluate(tree, Scope(dict(drawn), FUNCTIONS))
    except concrete.EvalError:
        assert not defined, f"concrete evaluation failed but every side condition holds: {tree}"
        return
    assert defined, f"a side condition fails although concrete evaluation succeeded: {tree}"
    actual = _symbolic_value(symbolic, substitutions, ctx)
    assert actual == expected and type(actual) is type(expected), (tree, drawn, actual, expected)


def test_floor_division_and_modulo_follow_python_for_every_sign():
    ctx = SymContext()
    a, b = z3.Int("a"), z3.Int("b")
    scope = Scope({"a": a, "b": b}, {})
    quotient = translate(n.Binary(op="//", left=n.Name(id="a"), right=n.Name(id="b")), scope, ctx)
    remainder = translate(n.Binary(op="%", left=n.Name(id="a"), right=n.Name(id="b")), scope, ctx)
    for x in (-7, -6, -1, 0, 1, 6, 7):
        for y in (-3, -2, -1, 1, 2, 3):
            subs = [(a, z3.IntVal(x)), (b, z3.IntVal(y))]
            assert z3.simplify(z3.substitute(quotient, *subs)).as_long() == x // y
            assert z3.simplify(z3.substitute(remainder, *subs)).as_long() == x % y
