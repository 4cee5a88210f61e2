"""Variable domains → Hypothesis strategies, drawn in dependency order.

Dependent bounds (``kv_len: {min: 0, max: S}``) and derived values
(``n_heads = n_kv * group``) are computed with the concrete interpreter from
the values drawn so far: generation is constructive, never ``.filter``.  Only
the variables a check actually reads are drawn.  Array dimensions named by int
variables are capped at :data:`ARRAY_DIM_CAP` so a float array stays small.

A domain that can generate nothing (an empty enum, ``min > max`` once its
bounds are evaluated) raises :class:`EmptyDomain`; the engine turns it into an
ERROR verdict, never a pass.  :func:`enumerate_inputs` lists every input of a
small finite domain, so a tiny domain is checked exhaustively instead of
sampled.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..contract.model import Domain
from ..expr.concrete import evaluate
from ..expr.nodes import Node, Num, free_names
from ..expr.scope import EquationFn, Scope

__all__ = [
    "ARRAY_DIM_CAP",
    "EmptyDomain",
    "InputPlan",
    "input_plan",
    "inputs_strategy",
    "enumerate_inputs",
    "roots_of",
    "to_jsonable",
]

ARRAY_DIM_CAP = 16  # an int variable used as an array dimension is drawn at most this large


class EmptyDomain(Exception):
    """A domain that cannot generate any value (or a dependency cycle)."""


@dataclass(frozen=True)
class InputPlan:
    order: tuple[str, ...]  # variables to draw, dependencies first
    domains: Mapping[str, Domain]
    dim_vars: frozenset[str] = field(default_factory=frozenset)  # used as array dimensions: capped

    @property
    def capped(self) -> bool:
        """Does the dimension cap narrow some variable's declared domain?"""
        for name in self.dim_vars:
            top = self.domains[name].max
            if not (isinstance(top, Num) and top.value <= ARRAY_DIM_CAP):
                return True
        return False


def roots_of(nodes: Iterable[Node | None], scope: Scope) -> list[str]:
    """Names an evaluation of ``nodes`` may read as variables.

    Includes the parameters of every function used (a call fills missing
    parameters from the current variables) and, through equation bodies, the
    names those read: an over-approximation costs only an unused draw.
    """
    seen: dict[str, None] = {}
    pending = [name for node in nodes if node is not None for name in _all_names(node)]
    visited_fns: set[str] = set()
    while pending:
        name = pending.pop(0)
        seen.setdefault(name, None)
        fn = scope.functions.get(name)
        if fn is None or name in visited_fns:
            continue
        visited_fns.add(name)
        pending.extend(fn.params)
        if isinstance(fn, EquationFn):
            pending.extend(_all_names(fn.body))
    return list(seen)


def _all_names(node: Node) -> list[str]:
    from ..expr.nodes import called_names

    return [*free_names(node), *called_names(node)]


def input_plan(variables: Mapping[str, Domain], roots: Iterable[str]) -> InputPlan:
    """The variables reachable from ``roots``, in a stable dependency order."""
    needed: dict[str, None] = {}
    pending = [r for r in roots if r in variables]
    while pending:
        name = pending.pop(0)
        if name in needed:
            continue
        needed[name] = None
        pending.extend(d for d in variables[name].names() if d in variables)
    ordered: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise EmptyDomain(f"variables depend on each other in a cycle: {' -> '.join(path + (name,))}")
        state[name] = 1
        for dep in variables[name].names():
            if dep in variables:
                visit(dep, path + (name,))
        state[name] = 2
        ordered.append(name)

    for name in variables:  # declaration order keeps the draw order stable
        if name in needed:
            visit(name, ())
    dims = frozenset(s for n in ordered for s in _array_dims(variables[n]))
    return InputPlan(tuple(ordered), {n: variables[n] for n in ordered}, dims)


def _array_dims(domain: Domain) -> list[str]:
    dims = [s for s in domain.shape if isinstance(s, str)] if domain.kind == "array" else []
    if domain.element is not None:
        dims.extend(_array_dims(domain.element))
    return dims


def _bound(node: Node | None, values: Mapping[str, Any], scope: Scope) -> Any:
    if node is None:
        return None
    if isinstance(node, Num):
        return node.value
    return evaluate(node, scope.with_values(values))


def _int_range(name: str, domain: Domain, values: Mapping[str, Any], scope: Scope, capped: bool) -> tuple[int, int]:
    lo, hi = _bound(domain.min, values, scope), _bound(domain.max, values, scope)
    if lo is None or hi is None:
        raise EmptyDomain(f"{name}: an int domain needs both min and max")
    lo, hi = math.ceil(lo), math.floor(hi)
    if capped:
        hi = min(hi, max(lo, ARRAY_DIM_CAP))
    if lo > hi:
        raise EmptyDomain(f"{name}: empty int domain, min {lo} > max {hi}")
    return int(lo), int(hi)


def _float_args(name: str, domain: Domain, values: Mapping[str, Any], scope: Scope, width: int = 64) -> dict:
    lo, hi = _bound(domain.min, values, scope), _bound(domain.max, values, scope)
    if width == 32:  # bounds must be float32-representable: round inward
        lo = None if lo is None else float(np.nextafter(np.float32(lo), np.float32(np.inf))
                                           if float(np.float32(lo)) < lo else np.float32(lo))
        hi = None if hi is None else float(np.nextafter(np.float32(hi), np.float32(-np.inf))
                                           if float(np.float32(hi)) > hi else np.float32(hi))
    if lo is not None and hi is not None:
        if lo > hi or (lo == hi and (domain.exclusive_min or domain.exclusive_max)):
            raise EmptyDomain(f"{name}: empty float domain [{lo}, {hi}]")
    return dict(min_value=None if lo is None else float(lo), max_value=None if hi is None else float(hi),
                exclude_min=domain.exclusive_min and lo is not None,
                exclude_max=domain.exclusive_max and hi is not None,
                allow_nan=False, allow_infinity=domain.allow_infinity and (lo is None or hi is None), width=width)


def _strategy(name: str, domain: Domain, values: Mapping[str, Any], scope: Scope, capped: bool):
    kind = domain.kind
    if kind == "int":
        lo, hi = _int_range(name, domain, values, scope, capped)
        return st.integers(lo, hi)
    if kind == "float":
        strategy = st.floats(**_float_args(name, domain, values, scope))
        if domain.allow_nan:
            strategy = strategy | st.just(float("nan"))
        if domain.allow_infinity and (domain.min is not None and domain.max is not None):
            strategy = strategy | st.sampled_from([float("inf"), float("-inf")])
        return strategy
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        if not domain.values:
            raise EmptyDomain(f"{name}: enum with no values")
        return st.sampled_from(list(domain.values))
    if kind == "list":
        if domain.element is None:
            raise EmptyDomain(f"{name}: list without an element domain")
        if domain.min_len > domain.max_len:
            raise EmptyDomain(f"{name}: min_len {domain.min_len} > max_len {domain.max_len}")
        element = _strategy(f"{name}[]", domain.element, values, scope, False)
        return st.lists(element, min_size=domain.min_len, max_size=domain.max_len)
    if kind == "array":
        shape = tuple(_dim(name, s, values) for s in domain.shape)
        width = 32 if domain.dtype == "float32" else 64
        elements = st.floats(**_float_args(name, domain, values, scope, width))
        return hnp.arrays(np.dtype(domain.dtype), shape, elements=elements)
    if kind == "derived":
        return st.just(_bound(domain.value, values, scope))
    raise EmptyDomain(f"{name}: unknown domain kind '{kind}'")


def _dim(name: str, dim: Any, values: Mapping[str, Any]) -> int:
    size = values.get(dim) if isinstance(dim, str) else dim
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise EmptyDomain(f"{name}: array dimension {dim!r} is {size!r}, not a non-negative int")
    return int(size)


def _is_static(domain: Domain) -> bool:
    """Does the domain's strategy not depend on values drawn before it?"""
    if domain.kind in ("bool", "enum"):
        return True
    if domain.kind in ("int", "float"):
        return all(node is None or isinstance(node, Num) for node in (domain.min, domain.max))
    if domain.kind == "list":
        return domain.element is not None and _is_static(domain.element)
    if domain.kind == "array":
        return (all(not isinstance(s, str) for s in domain.shape)
                and all(node is None or isinstance(node, Num) for node in (domain.min, domain.max)))
    return False  # derived values and anything else: computed from the values drawn so far


def inputs_strategy(plan: InputPlan, scope: Scope):
    """A strategy of ``{variable: value}`` dicts, drawn in ``plan.order``.

    Strategies whose bounds are literals are built once here, not once per
    example; the draws, and so the inputs for a seed, are the same either way.
    """
    static: dict[str, Any] = {}
    for name in plan.order:
        domain = plan.domains[name]
        if _is_static(domain):
            try:
                static[name] = _strategy(name, domain, {}, scope, name in plan.dim_vars)
            except EmptyDomain:
                pass  # raised again, and reported, when drawn

    @st.composite
    def draw_inputs(draw) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in plan.order:
            strategy = static.get(name)
            if strategy is None:
                strategy = _strategy(name, plan.domains[name], values, scope, name in plan.dim_vars)
            values[name] = draw(strategy)
        return values

    return draw_inputs()


class _NotFinite(Exception):
    pass


def _finite_values(name: str, domain: Domain, values: Mapping[str, Any], scope: Scope, limit: int) -> list[Any]:
    kind = domain.kind
    if kind == "bool":
        return [False, True]
    if kind == "enum":
        if not domain.values:
            raise EmptyDomain(f"{name}: enum with no values")
        return list(domain.values)
    if kind == "derived":
        return [_bound(domain.value, values, scope)]
    if kind == "int":
        lo, hi = _int_range(name, domain, values, scope, False)
        if hi - lo + 1 > limit:
            raise _NotFinite
        return list(range(lo, hi + 1))
    if kind == "list" and domain.element is not None:
        elements = _finite_values(f"{name}[]", domain.element, values, scope, limit)
        out: list[Any] = []
        for length in range(domain.min_len, domain.max_len + 1):
            if len(out) + len(elements) ** length > limit:
                raise _NotFinite
            out.extend(list(combo) for combo in itertools.product(elements, repeat=length))
        return out
    raise _NotFinite


def enumerate_inputs(plan: InputPlan, scope: Scope, limit: int) -> list[dict[str, Any]] | None:
    """Every input of the plan's domain if it is finite and has at most ``limit`` members, else None."""
    out: list[dict[str, Any]] = []

    def rec(index: int, values: dict[str, Any]) -> None:
        if index == len(plan.order):
            out.append(dict(values))
            if len(out) > limit:
                raise _NotFinite
            return
        name = plan.order[index]
        for value in _finite_values(name, plan.domains[name], values, scope, limit):
            values[name] = value
            rec(index + 1, values)
        values.pop(name, None)

    try:
        rec(0, {})
    except _NotFinite:
        return None
    return out


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: arrays and numpy scalars become lists and numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value
