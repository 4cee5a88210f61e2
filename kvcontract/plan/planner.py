"""Turn a contract into the checks a run executes, in a deterministic order.

One check per:

* equation that defines a declared symbol: ``CONFORM:<equation>``, the
  implementation against its formula (Hypothesis, plus Z3 where traceable);
* equation that is a law: ``LAW:<equation>`` (Z3 when it only talks about the
  specification, else Hypothesis against the implementation);
* obligation whose check uses only variables, builtins, equations and symbols
  that equations define: ``PROVE:<id>`` (Z3, unbounded, every symbol read as
  its formula), unless its ``engines`` exclude z3;
* falsification test: its id (Hypothesis, or a state machine);
* Kani harness: its id (Z3 within the bound);
* obligation about the implementation that no test or harness attacks:
  ``FALSIFY:<id>``; a statement about the specification whose ``engines``
  exclude z3 is ``SAMPLE:<id>`` (Hypothesis on the specification);
* every equation and obligation left without an executable check (a prose
  formula, no ``check:``, ``quantifier: exists`` over the implementation with
  no harness to trace it, a definition nothing reads): ``UNCHECKED:<name>``,
  with ``expr=None`` and the reason as its title.  Such a check can never be
  evidence, so a contract cannot pass its gate with an item nobody checked.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..contract.model import Contract, Domain, Equation, Obligation
from ..expr.nodes import Node, called_names, free_names
from ..expr.parse import parse_expr
from .model import Check

__all__ = ["plan_contract", "is_executable", "symbols_used", "spec_provable", "conformance_text",
           "check_targets", "gate_requirements"]


def _dependency_contracts(contract: Contract, contract_set: Any) -> list[Contract]:
    from ..bind.scope import dependency_contracts  # lazy: plan does not need bind otherwise

    return dependency_contracts(contract, contract_set)


def _names(nodes: Iterable[Node | None]) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        if node is not None:
            out.update(free_names(node))
            out.update(called_names(node))
    return out


def symbols_used(contract: Contract, nodes: Iterable[Node | None],
                 dependencies: Iterable[Contract] = ()) -> tuple[str, ...]:
    """Declared symbols these expressions call, directly or through equation bodies.

    An equation's name means its formula, but a formula that calls a declared
    symbol calls the implementation, so the walk goes through equation bodies
    and stops at declared symbols.
    """
    equations: dict[str, Equation] = {}
    for source in [*dependencies, contract]:
        for eq in source.equations.values():
            if eq.body is not None and eq.defines:
                equations[eq.name] = eq
                equations.setdefault(eq.defines, eq)
    found: set[str] = set()
    visited: set[str] = set()
    pending = list(_names(nodes))
    while pending:
        name = pending.pop()
        if name in contract.symbols:
            found.add(name)
            continue
        if name in equations and name not in visited:
            visited.add(name)
            pending.extend(_names([equations[name].body]))
    return tuple(s for s in contract.symbols if s in found)


def _direct_symbols(contract: Contract, nodes: Iterable[Node | None], dependencies: Iterable[Contract]) -> bool:
    declared = set(contract.symbols)
    for dep in dependencies:
        declared.update(dep.symbols)
    return bool(_names(nodes) & declared)


def spec_provable(contract: Contract, nodes: Iterable[Node | None], dependencies: Iterable[Contract]) -> bool:
    """True when every symbol the expressions reach is defined by an equation.

    Then the expressions are a statement about the specification alone: Z3
    proves it with each symbol read as its formula (the spec scope), while the
    falsification tests hold the implementation to the same statement.
    """
    dependencies = list(dependencies)
    defined: set[str] = set()
    declared = set(contract.symbols)
    for source in [*dependencies, contract]:
        declared.update(source.symbols)
        defined.update(eq.defines for eq in source.equations.values() if eq.defines and eq.body is not None)
    return not (_names(nodes) & declared) - defined and not (
        set(symbols_used(contract, nodes, dependencies)) - defined)


def _variables(contract: Contract, *givens: Mapping[str, Domain]) -> dict[str, Domain]:
    out = {name: var.domain for name, var in contract.variables.items()}
    for given in givens:
        out.update(given)
    return out


def conformance_text(symbol: str, params: tuple[str, ...], equation: str, returns: str,
                     tolerance: float, rtol: float) -> str:
    """``SYMBOL(params) == spec__EQ(params)``, or the tolerance form for floats/arrays."""
    args = ", ".join(params)
    impl = f"{symbol}({args})"
    spec = f"spec__{equation}({args})"
    if returns == "array" or returns == "list[float]":
        return f"allclose({impl}, {spec}, {float(tolerance)!r}, {float(rtol)!r})"
    if returns == "float" or tolerance or rtol:
        return f"abs({impl} - {spec}) <= {float(tolerance)!r} + {float(rtol)!r} * abs({spec})"
    return f"{impl} == {spec}"


def is_executable(check: Check) -> bool:
    return check.expr is not None or (check.kind == "state_machine" and bool(check.state_machine))


def check_targets(check: Check) -> set[str]:
    """The contract items (test/harness id, obligation id, equation name, conformed symbol) it is evidence for."""
    return {name for name in (check.id, check.obligation_id, check.equation, check.symbol) if name}


def gate_requirements(contract: Contract, checks: Iterable[Check]) -> list[tuple[str, tuple[str, ...]]]:
    """For each ``qa_gate.checks`` entry: the ids of the planned checks that are evidence for it."""
    if contract.gate is None:
        return []
    checks = list(checks)
    return [(ref.name, tuple(c.id for c in checks if ref.name in check_targets(c)))
            for ref in contract.gate.checks]


def _unchecked(check_id: str, pos, reason: str, base: dict, *, obligation: str | None = None,
               equation: str | None = None) -> Check:
    return Check(id=f"UNCHECKED:{check_id}", kind="unchecked", pos=pos, title=reason, obligation_id=obligation,
                 engine="none", expr=None, equation=equation, **base)


def _engine_allowed(engines: tuple[str, ...], engine: str) -> bool:
    return not engines or engine in engines


def _text(source) -> str:
    return source.text if source is not None else ""


def plan_contract(contract: Contract, contract_set: Any = None, *, options: Any = None) -> list[Check]:
    """Every check of ``contract``, in file order: equations, proofs, tests, harnesses, the rest."""
    deps = _dependency_contracts(contract, contract_set)
    gate_min = contract.gate.min_examples if contract.gate else None
    base = dict(contract_id=contract.id, contract_path=contract.path)
    checks: list[Check] = []

    for eq in contract.equations.values():
        if eq.defines and eq.defines in contract.symbols and eq.body is not None:
            symbol = contract.symbols[eq.defines]
            text = conformance_text(symbol.name, symbol.params, eq.name, symbol.returns, eq.tolerance, eq.rtol)
            checks.append(Check(
                id=f"CONFORM:{eq.name}", kind="conformance", pos=eq.pos, title=f"{symbol.name} conforms to {eq.name}",
                engine="hypothesis", expr=parse_expr(text), expr_text=text,
                variables=_variables(contract), assume=eq.assume, examples=eq.examples,
                min_examples=gate_min, symbol=symbol.name, equation=eq.name,
                tolerance=float(eq.tolerance), rtol=float(eq.rtol),
                needs_symbols=tuple(dict.fromkeys((symbol.name, *symbols_used(contract, [eq.body, *eq.assume], deps)))),
                **base))
        elif not eq.defines and eq.expr is not None:
            spec_only = not _direct_symbols(contract, [eq.expr, *eq.assume], deps)
            engine = "z3" if spec_only and _engine_allowed(eq.engines, "z3") else "hypothesis"
            checks.append(Check(
                id=f"LAW:{eq.name}", kind="law", pos=eq.pos, title=eq.name, engine=engine,
                expr=eq.expr, expr_text=eq.formula.text, source=eq.formula,
                variables=_variables(contract), assume=eq.assume, examples=eq.examples, min_examples=gate_min,
                needs_symbols=() if engine == "z3" else symbols_used(contract, [eq.expr, *eq.assume], deps),
                equation=eq.name, **base))

    attacked = {t.obligation for t in contract.falsification_tests} | {h.obligation for h in contract.harnesses}
    for ob in contract.obligations:
        if ob.check is None:
            continue
        if spec_provable(contract, [ob.check, *ob.assume, ob.minimize], deps) and _engine_allowed(ob.engines, "z3"):
            checks.append(_obligation_check(ob, contract, f"PROVE:{ob.id}", "proof", "z3", base, gate_min))
        elif (not _direct_symbols(contract, [ob.check, *ob.assume], deps) and ob.quantifier == "forall"
              and _engine_allowed(ob.engines, "hypothesis")):
            # About the specification alone, but z3 excluded: Hypothesis samples the specification.
            checks.append(_obligation_check(ob, contract, f"SAMPLE:{ob.id}", "proof", "hypothesis", base, gate_min))

    for test in contract.falsification_tests:
        ob = contract.obligation(test.obligation) if test.obligation else None
        expr = test.check if test.check is not None else (ob.check if ob else None)
        source = test.check_text if test.check is not None else (ob.check_text if ob else None)
        assume = (ob.assume if ob else ()) + test.assume
        kind = "state_machine" if test.state_machine else "falsification"
        nodes = [expr, *assume]
        checks.append(Check(
            id=test.id, kind=kind, pos=test.pos, title=test.rule, obligation_id=test.obligation,
            engine="hypothesis", expr=None if kind == "state_machine" else expr, expr_text=_text(source),
            source=source, variables=_variables(contract, ob.given if ob else {}, test.given), assume=assume,
            examples=(ob.examples if ob else ()) + test.examples,
            max_examples=test.max_examples,
            min_examples=test.min_examples if test.min_examples is not None else gate_min,
            state_machine=test.state_machine,
            # A machine's factory gets every bound symbol; its own symbol is checked as a factory.
            needs_symbols=symbols_used(contract, nodes, deps) if kind == "falsification" else (),
            quantifier=ob.quantifier if ob else "forall", **base))

    for harness in contract.harnesses:
        ob = contract.obligation(harness.obligation)
        expr = harness.check if harness.check is not None else (ob.check if ob else None)
        source = harness.check_text if harness.check is not None else (ob.check_text if ob else None)
        assume = (ob.assume if ob else ()) + harness.assume
        checks.append(Check(
            id=harness.id, kind="harness", pos=harness.pos, title=harness.property or (ob.property if ob else ""),
            obligation_id=harness.obligation, engine="z3", expr=expr, expr_text=_text(source), source=source,
            variables=_variables(contract, ob.given if ob else {}, harness.given), assume=assume,
            examples=ob.examples if ob else (), bound=harness.bound, strategy=harness.strategy,
            width=harness.width, signed=harness.signed, quantifier=ob.quantifier if ob else "forall",
            needs_symbols=symbols_used(contract, [expr, *assume], deps), **base))

    for ob in contract.obligations:
        if ob.check is None or ob.id in attacked or ob.quantifier != "forall":
            continue
        spec_only = not _direct_symbols(contract, [ob.check, *ob.assume], deps)
        if not spec_only and _engine_allowed(ob.engines, "hypothesis"):
            checks.append(_obligation_check(ob, contract, f"FALSIFY:{ob.id}", "falsification", "hypothesis",
                                            base, gate_min, deps))
    return _cover_everything(contract, checks, base)


def _cover_everything(contract: Contract, checks: list[Check], base: dict) -> list[Check]:
    """Append ``UNCHECKED:<name>`` for every equation and obligation no executable check covers."""
    covered: set[str] = set()
    read: set[str] = set()
    for check in checks:
        if is_executable(check):
            covered |= check_targets(check)
            read |= _names([check.expr, *check.assume, check.minimize])
    # A definition is covered by the checks that read it (directly or through other definitions).
    definitions = {eq.name: eq for eq in contract.equations.values() if eq.defines and eq.body is not None}
    pending = list(read)
    while pending:
        name = pending.pop()
        for eq in definitions.values():
            if name in (eq.name, eq.defines) and eq.name not in covered:
                covered.add(eq.name)
                pending.extend(_names([eq.body, *eq.assume]))
    extra: list[Check] = []
    for eq in contract.equations.values():
        if eq.name in covered:
            continue
        if eq.expr is None and eq.body is None:
            reason = f"equation {eq.name}: the formula is prose (no expression to run): not evidence"
        else:
            reason = (f"equation {eq.name} defines {eq.defines}, which no executable check reads and no "
                      f"binding implements: not evidence")
        extra.append(_unchecked(eq.name, eq.pos, reason, base, equation=eq.name))
    for ob in contract.obligations:
        if ob.id in covered:
            continue
        if ob.check is None:
            reason = f"obligation {ob.id}: no machine-checkable 'check:' and no test or harness with one"
        elif ob.quantifier == "exists":
            reason = (f"obligation {ob.id}: 'exists' over the implementation needs a harness (Z3 finds a "
                      f"witness); sampling cannot show that one exists")
        else:
            reason = f"obligation {ob.id}: no engine it allows (engines: {', '.join(ob.engines)}) can run it"
        extra.append(_unchecked(ob.id, ob.pos, reason, base, obligation=ob.id))
    return checks + extra


def _obligation_check(ob: Obligation, contract: Contract, check_id: str, kind: str, engine: str,
                      base: dict, gate_min: int | None, deps: Iterable[Contract] = ()) -> Check:
    return Check(
        id=check_id, kind=kind, pos=ob.pos, title=ob.property, obligation_id=ob.id, engine=engine,
        expr=ob.check, expr_text=_text(ob.check_text), source=ob.check_text,
        variables=_variables(contract, ob.given), assume=ob.assume, examples=ob.examples,
        min_examples=gate_min, quantifier=ob.quantifier, minimize=ob.minimize,
        needs_symbols=() if kind == "proof" else symbols_used(contract, [ob.check, *ob.assume], deps), **base)
