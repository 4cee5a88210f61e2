"""A check translated for Z3: symbols, domain constraints, premises, conclusion.

Shared by ``prove.py`` (unbounded) and ``bounded.py`` (within a bound).  The
premises are the check's ``assume`` list followed by each ``A =>`` of its
implication chain -- exactly the cases ``counterexample.evaluate_case``
rejects -- each translated under the earlier ones, as the concrete evaluation
short-circuits.  A model is read back into plain inputs (derived variables
recomputed concretely) so every answer can be replayed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import z3

from ..contract.model import Domain
from ..expr.concrete import evaluate
from ..expr.nodes import Call, Generator, Implies, Name, Node, children
from ..expr.printer import to_text
from ..expr.scope import EquationFn, Scope
from ..expr.symbolic import SideCondition, SymContext, translate, translate_bool
from ..expr.symbolic_domains import declare_variables, read_model
from ..expr.symbolic_values import sym_and, to_bool
from ..plan.model import Check
from .strategies import input_plan

__all__ = ["Problem", "translate_check", "check_domains", "needed_variables", "model_inputs", "premise_nodes"]


@dataclass
class Problem:
    ctx: SymContext
    domains: Mapping[str, Domain]  # the variables the check reads, dependencies first
    values: dict[str, Any]  # name -> symbolic (or fixed) value
    constraints: list[Any]  # domain constraints (and the bound)
    premises: list[tuple[str, Any]]  # (text, z3 bool) of assume + implication premises
    conclusion: Any  # z3 bool
    minimize: Any = None  # z3 term to minimise, if the check names one
    sides: list[SideCondition] = field(default_factory=list)

    def side_conditions(self) -> list[Any]:
        return [s.condition for s in self.sides]


def check_domains(check: Check, scope: Scope) -> dict[str, Domain]:
    """The declared variables the check reads (through calls too), in dependency order.

    Tighter than ``strategies.roots_of``: a call that passes a parameter
    explicitly does not read the variable of that name, so
    ``count(is_kv(t) for t in types)`` does not enumerate ``layer_type`` too --
    an unused variable would multiply the exhaustive case count.
    """
    roots = needed_variables([check.expr, *check.assume, check.minimize], scope)
    return dict(input_plan(check.variables, roots).domains)


def needed_variables(nodes: list[Node | None], scope: Scope) -> list[str]:
    seen: dict[str, None] = {}
    done: set[tuple[str, frozenset]] = set()

    def call(name: str, given: frozenset, bound: frozenset) -> None:
        fn = scope.functions[name]
        for param in fn.params:
            if param not in given and param not in bound:
                seen.setdefault(param, None)
        key = (name, given)
        if key in done or not isinstance(fn, EquationFn):
            return
        done.add(key)
        visit(fn.body, frozenset(fn.params))

    def visit(node: Node | None, bound: frozenset) -> None:
        if node is None:
            return
        if isinstance(node, Name):
            if node.id in bound:
                return
            if node.id in scope.functions and node.id not in scope.values:
                call(node.id, frozenset(), bound)
            else:
                seen.setdefault(node.id, None)
            return
        if isinstance(node, Generator):
            visit(node.iter, bound)
            visit(node.cond, bound | {node.var})
            visit(node.elt, bound | {node.var})
            return
        if isinstance(node, Call) and node.func in scope.functions:
            params = scope.functions[node.func].params
            given = frozenset(params[: len(node.args)]) | frozenset(k for k, _ in node.kwargs)
            call(node.func, given, bound)
        for child in children(node):
            visit(child, bound)

    for node in nodes:
        visit(node, frozenset())
    return list(seen)


def premise_nodes(check: Check) -> tuple[list[Node], Node]:
    premises = list(check.assume)
    expr: Node = check.expr  # type: ignore[assignment]
    while isinstance(expr, Implies):
        premises.append(expr.premise)
        expr = expr.conclusion
    return premises, expr


def _text(check: Check, node: Node) -> str:
    if check.expr_text and node.span != (0, 0) and any(node is n for n in _chain(check.expr)):
        return check.expr_text[node.span[0]:node.span[1]]
    try:
        return to_text(node)
    except Exception:  # noqa: BLE001 - a label only
        return type(node).__name__


def _chain(expr: Node | None):
    while isinstance(expr, Implies):
        yield expr.premise
        expr = expr.conclusion
    if expr is not None:
        yield expr


def translate_check(check: Check, scope: Scope, ctx: SymContext, *, bound: int | None = None,
                    fixed: Mapping[str, Any] | None = None) -> Problem:
    """Raises ``NotSymbolic`` / ``SymbolicError`` when the check has no Z3 form."""
    domains = check_domains(check, scope)
    values, constraints = declare_variables(domains, ctx, bound=bound, fixed=fixed, scope=scope)
    case = scope.with_values(values)
    premise_terms: list[tuple[str, Any]] = []
    premise_list, conclusion_node = premise_nodes(check)
    for node in premise_list:
        # Assume premises are separate texts: their spans do not index expr_text.
        in_expr = any(node is n for n in _chain(check.expr))
        saved, ctx.text = ctx.text, (ctx.text if in_expr else "")
        try:
            with ctx.guarded(sym_and(*(t for _, t in premise_terms))):
                term = translate_bool(node, case, ctx)
        finally:
            ctx.text = saved
        premise_terms.append((_text(check, node), term))
    with ctx.guarded(sym_and(*(t for _, t in premise_terms))):
        conclusion = translate_bool(conclusion_node, case, ctx)
    minimize = None
    if check.minimize is not None:
        saved, ctx.text = ctx.text, ""
        try:
            minimize = translate(check.minimize, case, ctx)
        finally:
            ctx.text = saved
    return Problem(ctx, domains, values, constraints, premise_terms, to_bool(conclusion), minimize,
                   list(ctx.side_conditions))


def model_inputs(model: z3.ModelRef, problem: Problem, scope: Scope,
                 fixed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Plain inputs from a model; derived variables recomputed by the concrete interpreter."""
    inputs = read_model(model, problem.values, problem.domains, problem.ctx)
    inputs.update(fixed or {})
    ordered: dict[str, Any] = {}
    for name, domain in problem.domains.items():
        if domain.kind == "derived":
            ordered[name] = evaluate(domain.value, scope.with_values(ordered))  # type: ignore[arg-type]
        elif name in inputs:
            ordered[name] = inputs[name]
    return ordered
