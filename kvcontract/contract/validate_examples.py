"""Rules about explicit ``examples:``, checked statically (nothing of the implementation runs).

KV413 an example value lies outside its variable's domain (an int or float
      bound, evaluated with the example's own values for dependent bounds; an
      enum value not in the enum; a list length or element out of range; an
      array whose shape is not the declared one for the example's ints; a
      derived variable given a value its definition does not give)
KV414 an example value has the wrong type (``"abc"`` for an int, ...)
KV415 an example leaves out an input its check reads (a derived variable
      counts as given when all its bases are)
KV416 an equation example's ``expect`` contradicts the formula itself; the
      formula is evaluated concretely on the specification side, and only
      when it needs nothing but builtins, variables and other equations

Unknown input names are KV408 (:mod:`validate_names`).  Each finding points
at the offending value (or at the example when an input is missing).
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from ..diagnostics import Diagnostic, SourcePos
from ..expr.concrete import EvalError, ImplementationError, evaluate
from ..expr.nodes import Call, Generator, Name, Node, children, free_names
from ..expr.printer import to_text
from ..expr.scope import EquationFn, Function, ImplFn, Scope
from .model import Contract, Domain, Example

__all__ = ["check_examples", "reads"]

_EVAL_ERRORS = (EvalError, ImplementationError, ArithmeticError, TypeError, ValueError, RecursionError)


def reads(node: Node, functions: Mapping[str, Function], _seen: frozenset[str] = frozenset(),
          _bound: frozenset[str] = frozenset()) -> set[str]:
    """Names ``node`` reads from its scope: free names, plus the parameters of each
    function call not given as arguments (and what equation bodies read besides their parameters)."""
    out: set[str] = set()
    if isinstance(node, Name):
        if node.id in _bound:
            return out
        fn = functions.get(node.id)
        if fn is None:
            out.add(node.id)
        else:
            out |= _function_reads(fn, set(), functions, _seen)
        return out
    if isinstance(node, Generator):
        out |= reads(node.iter, functions, _seen, _bound)
        inner = _bound | {node.var}
        for part in (node.elt, node.cond):
            if part is not None:
                out |= reads(part, functions, _seen, inner)
        return out
    if isinstance(node, Call) and node.func in functions:
        fn = functions[node.func]
        given = set(fn.params[:len(node.args)]) | {key for key, _ in node.kwargs}
        out |= _function_reads(fn, given, functions, _seen)
    for child in children(node):
        out |= reads(child, functions, _seen, _bound)
    return out


def _function_reads(fn: Function, given: set[str], functions: Mapping[str, Function],
                    seen: frozenset[str]) -> set[str]:
    out = {p for p in fn.params if p not in given}
    if isinstance(fn, EquationFn) and fn.name not in seen:
        out |= reads(fn.body, functions, seen | {fn.name}) - set(fn.params)
    return out


class _ExampleChecker:
    def __init__(self, contract: Contract, dependencies: Iterable[Contract], functions: Mapping[str, Function]):
        self.contract = contract
        self.functions = functions
        self.domains: dict[str, Domain] = {}
        for source in (*reversed(list(dependencies)), contract):
            self.domains.update({name: var.domain for name, var in source.variables.items()})
        self.out: list[Diagnostic] = []

    def error(self, code: str, message: str, pos: SourcePos, hint: str | None = None) -> None:
        self.out.append(Diagnostic(code, message, pos, hint=hint))

    # -- one example -------------------------------------------------------
    def example(self, example: Example, where: str, domains: Mapping[str, Domain],
                needs: set[str] | None) -> dict[str, Any] | None:
        """Check types and domains; the example's values (derived ones computed) when all are sound."""
        sound = True
        for name, value in example.inputs.items():
            domain = domains.get(name)
            pos = example.input_pos.get(name, example.pos)
            if domain is not None and not self.value_type(value, domain, f"'{name}' in an example of {where}", pos):
                sound = False
        if not sound:
            return None
        values = self.with_derived(example, domains)
        for name, value in example.inputs.items():
            domain = domains.get(name)
            if domain is not None:
                pos = example.input_pos.get(name, example.pos)
                sound &= self.in_domain(value, domain, values, f"'{name}' in an example of {where}", pos,
                                        example.beyond_domain)
        if needs is not None:
            missing = sorted(name for name in needs if name in domains and name not in values)
            for name in missing:
                domain = domains[name]
                extra = ""
                if domain.kind == "derived" and domain.value is not None:
                    bases = [b for b in free_names(domain.value) if b in domains and b not in values]
                    extra = f" (derived from {', '.join(bases)}: give those, or '{name}' itself)"
                self.error("KV415", f"an example of {where} does not give '{name}', which its check reads{extra}",
                           example.pos, hint=f"add '{name}: ...' to the example")
            sound &= not missing
        return values if sound else None

    def with_derived(self, example: Example, domains: Mapping[str, Domain]) -> dict[str, Any]:
        """The example's inputs plus every derived variable whose bases are all known."""
        values = dict(example.inputs)
        progress = True
        while progress:
            progress = False
            for name, domain in domains.items():
                if name in values or domain.kind != "derived" or domain.value is None:
                    continue
                bases = [b for b in free_names(domain.value) if b in domains]
                if all(b in values for b in bases):
                    try:
                        values[name] = evaluate(domain.value, Scope(values, self.functions))
                        progress = True
                    except _EVAL_ERRORS:
                        pass
        return values

    def value_type(self, value: Any, domain: Domain, what: str, pos: SourcePos) -> bool:
        kind = domain.kind
        expected = {"int": "an integer", "derived": "an integer", "float": "a number", "bool": "true or false",
                    "enum": "a string", "list": "a list", "array": "a (nested) list of numbers"}.get(kind)
        ok = True
        if kind in ("int", "derived"):
            ok = isinstance(value, int) and not isinstance(value, bool) or (kind == "derived" and _is_number(value))
        elif kind == "float":
            ok = _is_number(value)
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "enum":
            ok = isinstance(value, str)
        elif kind == "list":
            ok = isinstance(value, list)
            if ok and domain.element is not None:
                for index, item in enumerate(value):
                    if not self.value_type(item, domain.element, f"item {index} of {what}", pos):
                        return False
        elif kind == "array":
            ok = _is_number_array(value)
        if not ok:
            hint = "quote it" if kind == "enum" else None
            self.error("KV414", f"{what} is {value!r} ({type(value).__name__}), expected {expected}", pos, hint)
        return ok

    def in_domain(self, value: Any, domain: Domain, values: Mapping[str, Any], what: str, pos: SourcePos,
                  beyond: bool) -> bool:
        problem = self.domain_problem(value, domain, values, beyond)
        if problem:
            hint = None if beyond else ("if this is a realistic figure beyond the domain drawn from, "
                                        "mark the example 'beyond_domain: true'")
            self.error("KV413", f"{what} is {_short(value)}: {problem}", pos, hint)
        return problem is None

    def domain_problem(self, value: Any, domain: Domain, values: Mapping[str, Any], beyond: bool) -> str | None:
        kind = domain.kind
        if kind in ("int", "float"):
            return None if beyond else self.bounds_problem(value, domain, values)
        if kind == "enum" and value not in domain.values:
            return f"not one of {', '.join(domain.values)}"
        if kind == "list":
            if not beyond and not domain.min_len <= len(value) <= domain.max_len:
                return f"its length {len(value)} is outside {domain.min_len}..{domain.max_len}"
            if domain.element is not None:
                for index, item in enumerate(value):
                    problem = self.domain_problem(item, domain.element, values, beyond)
                    if problem:
                        return f"item {index} ({_short(item)}): {problem}"
        if kind == "array":
            return self.shape_problem(value, domain, values) or (
                None if beyond else self.bounds_problem(value, domain, values))
        if kind == "derived" and domain.value is not None:
            try:
                computed = evaluate(domain.value, Scope({k: v for k, v in values.items()}, self.functions))
            except _EVAL_ERRORS:
                return None  # its bases are not all given: nothing to compare with
            if not _close(value, computed, 0.0, 0.0):
                return f"its definition {to_text(domain.value)} gives {_short(computed)}"
        return None

    def bounds_problem(self, value: Any, domain: Domain, values: Mapping[str, Any]) -> str | None:
        data = np.asarray(value, dtype=float) if domain.kind == "array" else value
        if isinstance(data, float) and math.isnan(data):
            return None if domain.allow_nan else "NaN is not allowed (allow_nan: false)"
        if isinstance(data, float) and math.isinf(data):
            return None if domain.allow_infinity else "infinity is not allowed (allow_infinity: false)"
        for key, node, exclusive in (("min", domain.min, domain.exclusive_min), ("max", domain.max, domain.exclusive_max)):
            if node is None:
                continue
            try:
                bound = evaluate(node, Scope(values, self.functions))
            except _EVAL_ERRORS:
                continue  # a dependent bound whose variables the example does not give
            if isinstance(bound, bool) or not _is_number(bound):
                continue
            low = key == "min"
            if exclusive:
                bad = np.any(data <= bound) if low else np.any(data >= bound)
            else:
                bad = np.any(data < bound) if low else np.any(data > bound)
            if bad:
                side = ("at or below" if exclusive else "below") if low else ("at or above" if exclusive else "above")
                shown = to_text(node) + ("" if to_text(node) == repr(bound) else f" = {_short(bound)}")
                return f"{side} the domain's {'exclusive ' if exclusive else ''}{key} {shown}"
        return None

    def shape_problem(self, value: Any, domain: Domain, values: Mapping[str, Any]) -> str | None:
        dims = [values.get(d) if isinstance(d, str) else d for d in domain.shape]
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in dims):
            return None  # a dimension the example does not give
        shape = tuple(int(d) for d in dims)
        try:
            array = np.asarray(value, dtype=float)
        except ValueError:
            return f"it is ragged, not an array of shape {shape}"
        if array.size == 0 and math.prod(shape) == 0:
            return None
        if array.shape != shape:
            return f"its shape is {array.shape}, but the declared shape {list(domain.shape)} is {shape} here"
        return None

    # -- equations: expect against the formula ----------------------------------
    def expect_against_formula(self, example: Example, values: Mapping[str, Any], equation: Any) -> None:
        if not example.has_expect or isinstance(example.expect, Mapping) or equation.body is None:
            return
        if not equation.defines:
            return
        try:
            got = evaluate(equation.body, Scope(values, self.functions))
        except _EVAL_ERRORS:
            return  # it needs an implementation-only symbol, or fails: the runner reports it
        if _close(got, example.expect, equation.tolerance, equation.rtol):
            return
        self.error("KV416", f"equation '{equation.name}': this example expects {_short(example.expect)}, but the "
                            f"formula {equation.formula.text} gives {_short(got)} for it",
                   example.expect_pos or example.pos,
                   hint="fix the expected value (or the inputs); the implementation must match the formula")


def _never_called(*_args: Any) -> Any:  # placeholder: read for parameters only, never evaluated
    raise AssertionError("an implementation is never called during validate")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_number_array(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_number_array(item) for item in value)
    return _is_number(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _close(got: Any, wanted: Any, tolerance: float, rtol: float) -> bool:
    try:
        if isinstance(got, np.ndarray) or isinstance(wanted, list):
            a, b = np.asarray(got, dtype=float), np.asarray(wanted, dtype=float)
            return a.shape == b.shape and bool(np.allclose(a, b, atol=tolerance, rtol=rtol, equal_nan=True))
        if _is_number(got) and _is_number(wanted):
            return got == wanted or abs(got - wanted) <= tolerance + rtol * abs(wanted)
    except (TypeError, ValueError):
        return False
    return bool(got == wanted)


def _item_examples(contract: Contract) -> Iterator[tuple[str, Any, Mapping[str, Domain], Iterable[Node]]]:
    """(where, examples owner, domains of its names, the expressions its check reads) of each example owner."""
    obligations = {ob.id: ob for ob in contract.obligations if ob.id}
    for index, ob in enumerate(contract.obligations, start=1):
        nodes = [ob.check, *ob.assume] if ob.check is not None else None
        yield f"obligation {ob.id or '#' + str(index)}", ob, dict(ob.given), nodes
    for test in contract.falsification_tests:
        ob = obligations.get(test.obligation or "")
        check = test.check if test.check is not None else (ob.check if ob else None)
        given = {**(ob.given if ob else {}), **test.given}
        nodes = [check, *(ob.assume if ob else ()), *test.assume] if check is not None else None
        yield test.id, test, given, nodes


def check_examples(contract: Contract, dependencies: Iterable[Contract] = ()) -> list[Diagnostic]:
    """KV413-KV416 over every example of ``contract`` (kvcontract files only)."""
    if not (contract.variables or contract.symbols):
        return []
    from ..bind.scope import spec_functions  # the specification world: every equation as its formula

    dependencies = list(dependencies)
    functions = spec_functions(contract, dependencies)
    checker = _ExampleChecker(contract, dependencies, functions)
    # What a check reads also counts implementation-only symbols (no defining equation): their parameters.
    callables: dict[str, Function] = {
        sym.name: ImplFn(sym.name, sym.params, _never_called)
        for source in (*dependencies, contract) for sym in source.symbols.values()
    }
    callables.update(functions)
    for equation in contract.equations.values():
        if not equation.examples or equation.expr is None:
            continue
        nodes: list[Node] = [equation.body if equation.defines and equation.body is not None else equation.expr,
                             *equation.assume]
        needs = set(equation.params) if equation.defines else set()
        for node in nodes:
            needs |= reads(node, callables)
        for example in equation.examples:
            values = checker.example(example, f"equation '{equation.name}'", checker.domains, needs)
            if values is not None:
                checker.expect_against_formula(example, values, equation)
    for where, owner, given, nodes in _item_examples(contract):
        domains = {**checker.domains, **given}
        needs = None
        if nodes is not None:
            needs = set()
            for node in nodes:
                needs |= reads(node, callables)
        for example in owner.examples:
            checker.example(example, where, domains, needs)
    return checker.out
