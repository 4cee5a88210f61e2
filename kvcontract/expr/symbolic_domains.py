"""Z3 symbols for declared variable domains, and models read back as plain values.

``declare_variables`` gives every variable a symbol constrained by its domain,
in dependency order (a bound may name an earlier variable; a derived variable
is defined by its expression).  ``bound`` implements the harness strategies:
ints range over their domain ∩ [-bound, bound] and list lengths are at most
``bound``.  ``fixed`` pins variables to concrete values (an enum fixed by
enumeration), which then stay Python values all the way through.

``read_model`` turns a z3 model back into JSON-able Python values, so every
counterexample can be replayed through the concrete interpreter.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

import z3

from ..contract.model import Domain
from .nodes import free_names
from .scope import Scope
from .symbolic import translate
from .symbolic_arith import sym_compare
from .symbolic_values import NotSymbolic, SymbolicError, SymContext, SymList, SymSeq, SymStr, to_bool

__all__ = ["declare_variables", "read_model", "dependency_order"]


def _domain_deps(domain: Domain) -> list[str]:
    deps: list[str] = []
    for expr in (domain.min, domain.max, domain.value):
        if expr is not None:
            deps.extend(free_names(expr))
    return deps


def dependency_order(domains: Mapping[str, Domain]) -> list[str]:
    """Variable names so each comes after the variables its bounds/value use."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise SymbolicError(f"cyclic variable definitions: {' -> '.join((*trail, name))}")
        state[name] = 1
        for dep in _domain_deps(domains[name]):
            if dep in domains:
                visit(dep, (*trail, name))
        state[name] = 2
        order.append(name)

    for name in domains:
        visit(name, ())
    return order


def declare_variables(domains: Mapping[str, Domain], ctx: SymContext, *, bound: int | None = None,
                      fixed: Mapping[str, Any] | None = None,
                      scope: Scope | None = None) -> tuple[dict[str, Any], list[z3.BoolRef]]:
    """(name -> symbolic value, domain constraints) for every variable."""
    saved, ctx.text = ctx.text, ""  # bound expressions have texts of their own: no snippets
    try:
        return _declare_all(domains, ctx, bound, fixed or {}, scope)
    finally:
        ctx.text = saved


def _declare_all(domains, ctx, bound, fixed, scope):
    base = scope or Scope()
    values: dict[str, Any] = {}
    constraints: list[Any] = []
    for name in dependency_order(domains):
        domain = domains[name]
        current = base.with_values(values)
        if name in fixed:
            values[name] = fixed[name]
            continue
        if domain.kind == "derived":
            if domain.value is None:
                raise SymbolicError(f"derived variable '{name}' has no value")
            values[name] = translate(domain.value, current, ctx)
            continue
        value, conds = _declare(name, domain, ctx, bound, current)
        values[name] = value
        constraints.extend(conds)
    return values, [to_bool(c) for c in constraints if c is not True]


def _declare(name: str, domain: Domain, ctx: SymContext, bound: int | None, scope: Scope):
    kind = domain.kind
    if kind == "int":
        var = ctx.int_var(name)
        conds = _range_conds(var, domain, ctx, scope)
        if bound is not None:
            conds += [sym_compare(ctx, ">=", var, -bound), sym_compare(ctx, "<=", var, bound)]
        return var, conds
    if kind == "float":
        var = z3.Real(name)
        return var, _range_conds(var, domain, ctx, scope)
    if kind == "bool":
        return z3.Bool(name), []
    if kind == "enum":
        code = z3.Int(name)
        return SymStr(code), [z3.Or(*(code == ctx.code(v) for v in domain.values))]
    if kind == "list":
        return _declare_list(name, domain, ctx, bound, scope)
    raise NotSymbolic(f"variable '{name}' of kind {kind} has no symbolic form")


def _range_conds(var: Any, domain: Domain, ctx: SymContext, scope: Scope) -> list[Any]:
    conds = []
    if domain.min is not None:
        lo = translate(domain.min, scope, ctx)
        conds.append(sym_compare(ctx, "<" if domain.exclusive_min else "<=", lo, var))
    if domain.max is not None:
        hi = translate(domain.max, scope, ctx)
        conds.append(sym_compare(ctx, "<" if domain.exclusive_max else "<=", var, hi))
    return conds


def _declare_list(name: str, domain: Domain, ctx: SymContext, bound: int | None, scope: Scope):
    element = domain.element
    if element is None:
        raise SymbolicError(f"list variable '{name}' has no element domain")
    max_len = domain.max_len if bound is None else min(domain.max_len, bound)
    length = z3.Int(f"len({name})")
    conds: list[Any] = [length >= domain.min_len, length <= max_len]
    if max_len > ctx.unroll_limit:
        # Unbounded in practice: an Int-indexed array, properties quantified over the index.
        if element.kind not in ("int", "float", "bool"):
            raise NotSymbolic(f"list '{name}' of {element.kind} longer than {ctx.unroll_limit}")
        sort = {"int": z3.IntSort(), "float": z3.RealSort(), "bool": z3.BoolSort()}[element.kind]
        array = z3.Array(name, z3.IntSort(), sort)
        if element.kind in ("int", "float") and (element.min is not None or element.max is not None):
            i = z3.Int(ctx.fresh_name("i"))
            item_conds = _range_conds(z3.Select(array, i), element, ctx, scope)
            conds.append(z3.ForAll([i], z3.Implies(z3.And(i >= 0, i < length), z3.And(*map(to_bool, item_conds)))))
        return SymSeq(array, length), conds
    items = []
    for k in range(max_len):
        item, item_conds = _declare(f"{name}[{k}]", element, ctx, bound, scope)
        items.append(item)
        conds.extend(z3.Implies(k < length, to_bool(c)) for c in item_conds)
    return SymList(tuple(items), length), conds


def _number(value: z3.ExprRef) -> Any:
    if z3.is_int_value(value):
        return value.as_long()
    if z3.is_bv_value(value):
        return value.as_signed_long()
    if z3.is_rational_value(value):
        frac = Fraction(value.numerator_as_long(), value.denominator_as_long())
        return int(frac) if frac.denominator == 1 else float(frac)
    if z3.is_algebraic_value(value):
        # An irrational model value: the nearest float; the replay decides if it really fails.
        return float(Fraction(value.approx(20).as_fraction()))
    raise SymbolicError(f"cannot read model value {value}")


def read_value(model: z3.ModelRef, value: Any, domain: Domain | None, ctx: SymContext) -> Any:
    if isinstance(value, SymStr):
        return ctx.decode(model.eval(value.code, model_completion=True).as_long())
    if isinstance(value, SymList):
        length = read_value(model, value.length, None, ctx)
        return [read_value(model, v, domain.element if domain else None, ctx) for v in value.items[:length]]
    if isinstance(value, SymSeq):
        length = read_value(model, value.length, None, ctx)
        return [_number(model.eval(z3.Select(value.array, k), model_completion=True)) for k in range(length)]
    if isinstance(value, z3.BoolRef):
        return z3.is_true(model.eval(value, model_completion=True))
    if isinstance(value, z3.ExprRef):
        number = _number(model.eval(value, model_completion=True))
        if domain is not None and domain.kind == "float":
            return float(number)
        return number
    return value


def read_model(model: z3.ModelRef, values: Mapping[str, Any], domains: Mapping[str, Domain],
               ctx: SymContext) -> dict[str, Any]:
    """Plain values of every non-derived variable (derived ones are recomputed on replay)."""
    return {
        name: read_value(model, values[name], domains.get(name), ctx)
        for name in values
        if not (name in domains and domains[name].kind == "derived")
    }
