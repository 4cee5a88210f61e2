"""Rules about what expressions and domains inside one contract may say.

* KV408: every name in an expression is declared (a variable, a ``given``
  name, an equation, a symbol, a builtin or a generator variable), with a
  did-you-mean; example inputs name variables.
* KV411: a call fits its function (builtin arity, symbol parameters).
* KV210-KV214: domains are well-formed (min <= max, non-empty enums, list
  lengths, array shapes name int variables, no dependency cycle among bounds).

In a legacy provable-contracts file (no ``variables``/``symbols``) nothing is
executable anyway, so undeclared names are one warning per expression.
"""
from __future__ import annotations

from typing import Iterator, Mapping

from ..diagnostics import Diagnostic, SourcePos, did_you_mean
from ..expr.builtins import BUILTINS, check_arity
from ..expr.nodes import Call, Generator, Name, Node, Num, Unary, children
from .model import Contract, Domain, Example, SourceText

__all__ = ["check_names", "check_domains", "MAX_LIST_LEN", "is_strict"]

MAX_LIST_LEN = 10_000


def is_strict(contract: Contract) -> bool:
    """A kvcontract file (executable), as opposed to a legacy provable-contracts file."""
    return bool(contract.variables or contract.symbols)


def _references(node: Node, bound: frozenset[str] = frozenset()) -> Iterator[Node]:
    """Name and Call nodes that refer to something outside ``node``, in source order."""
    if isinstance(node, Name):
        if node.id not in bound:
            yield node
        return
    if isinstance(node, Generator):
        yield from _references(node.iter, bound)
        inner = bound | {node.var}
        if node.cond is not None:
            yield from _references(node.cond, inner)
        yield from _references(node.elt, inner)
        return
    if isinstance(node, Call):
        yield node
    for child in children(node):
        yield from _references(child, bound)


class _NameChecker:
    def __init__(self, contract: Contract, dependencies: tuple[Contract, ...]):
        self.contract = contract
        self.strict = is_strict(contract)
        self.diagnostics: list[Diagnostic] = []
        self.variables: set[str] = set()
        # function name -> parameters (None: unknown, e.g. a law-equation called by name)
        self.functions: dict[str, tuple[str, ...]] = {}
        for c in (*dependencies, contract):
            self.variables |= set(c.variables)
            for sym in c.symbols.values():
                self.functions[sym.name] = sym.params
            for eq in c.equations.values():
                self.functions[eq.name] = eq.params
                if eq.defines and eq.defines not in c.symbols:
                    self.functions[eq.defines] = eq.params

    def check(self, node: Node | None, text: SourceText | None, where: str,
              extra: frozenset[str] = frozenset(), skip: Node | None = None) -> None:
        if node is None or text is None:
            return
        known = self.variables | extra
        missing: list[str] = []
        for ref in _references(node):
            if ref is skip:
                continue
            pos = text.pos_at(ref.span[0])
            if isinstance(ref, Name):
                if ref.id in known or ref.id in self.functions:
                    continue
                if not self.strict:
                    missing.append(ref.id)
                    continue
                choices = known | set(self.functions)
                self._error("KV408", f"'{ref.id}' in {where} is not a declared variable, given name, equation or symbol",
                            pos, did_you_mean(ref.id, choices))
            else:
                self._check_call(ref, pos, where, missing)
        if missing:
            names = ", ".join(dict.fromkeys(missing))
            self.diagnostics.append(Diagnostic(
                "KV408", f"{where} uses undeclared names ({names}): not executable", text.pos, "warning",
                "declare them under 'variables' or 'symbols' to make it executable"))

    def _check_call(self, call: Call, pos: SourcePos, where: str, missing: list[str]) -> None:
        builtin = BUILTINS.get(call.func)
        if builtin is not None:
            problem = check_arity(builtin, len(call.args), tuple(k for k, _ in call.kwargs))
            if problem:
                self._error("KV411", f"in {where}: {problem}", pos)
            return
        if call.func not in self.functions:
            if not self.strict:
                missing.append(call.func)
                return
            choices = set(self.functions) | set(BUILTINS)
            self._error("KV408", f"'{call.func}()' in {where} is not a builtin, equation or symbol", pos,
                        did_you_mean(call.func, choices))
            return
        params = self.functions[call.func]
        if len(call.args) > len(params):
            self._error("KV411", f"in {where}: {call.func}() takes {len(params)} argument(s) "
                        f"({', '.join(params)}), got {len(call.args)}", pos)
        for key, _ in call.kwargs:
            if key not in params:
                self._error("KV411", f"in {where}: {call.func}() has no parameter '{key}' "
                            f"(parameters: {', '.join(params)})", pos, did_you_mean(key, params))

    def examples(self, examples: tuple[Example, ...], where: str, extra: frozenset[str]) -> None:
        if not self.strict:
            return
        known = self.variables | extra
        for example in examples:
            for key in example.inputs:
                if key not in known:
                    self._error("KV408", f"example input '{key}' of {where} is not a variable or given name",
                                example.key_pos.get(key, example.pos), did_you_mean(key, known))

    def _error(self, code: str, message: str, pos: SourcePos, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, pos, "error" if self.strict else "warning", hint))


def check_names(contract: Contract, dependencies: tuple[Contract, ...] = ()) -> list[Diagnostic]:
    """KV408/KV411 over every expression and example of ``contract``."""
    checker = _NameChecker(contract, dependencies)
    for var in contract.variables.values():
        for key, text in var.domain.texts.items():
            checker.check(getattr(var.domain, key), text, f"{key} of variable '{var.name}'")
    for eq in contract.equations.values():
        where = f"equation '{eq.name}'"
        # The defined name on the left of ``NAME = expr`` is declared by the equation itself.
        skip = eq.expr.left if eq.defines else None  # type: ignore[union-attr]
        checker.check(eq.expr, eq.formula, where, frozenset(eq.params), skip)
        for node, text in zip(eq.assume, eq.assume_texts):
            checker.check(node, text, f"assume of {where}")
        checker.examples(eq.examples, where, frozenset(eq.params))
    obligations = {ob.id: ob for ob in contract.obligations if ob.id}
    for index, ob in enumerate(contract.obligations, start=1):
        where = f"obligation {ob.id or '#' + str(index)}"
        given = frozenset(ob.given)
        checker.check(ob.check, ob.check_text, where, given)
        for node, text in zip(ob.assume, ob.assume_texts):
            checker.check(node, text, f"assume of {where}", given)
        checker.check(ob.minimize, ob.minimize_text, f"minimize of {where}", given)
        checker.examples(ob.examples, where, given)
    for item in (*contract.falsification_tests, *contract.harnesses):
        ob = obligations.get(item.obligation or "")
        given = frozenset(item.given) | (frozenset(ob.given) if ob else frozenset())
        where = item.id
        checker.check(item.check, item.check_text, where, given)
        for node, text in zip(item.assume, item.assume_texts):
            checker.check(node, text, f"assume of {where}", given)
        checker.examples(getattr(item, "examples", ()), where, given)
    return checker.diagnostics


# -- domains ------------------------------------------------------------------

def _literal(node: Node | None) -> float | None:
    if isinstance(node, Num) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, Unary) and node.op == "-" and isinstance(node.operand, Num):
        return -node.operand.value
    return None


def _domain_rules(domain: Domain, where: str, int_variables: set[str], out: list[Diagnostic]) -> None:
    lo, hi = _literal(domain.min), _literal(domain.max)
    if lo is not None and hi is not None and lo > hi:
        pos = domain.texts["min"].pos if "min" in domain.texts else domain.pos
        out.append(Diagnostic("KV210", f"{where}: min {lo} is greater than max {hi} (empty domain)", pos))
    if domain.kind == "enum" and not domain.values:
        out.append(Diagnostic("KV211", f"{where}: enum has no values", domain.pos))
    if domain.kind == "list":
        if domain.max_len > MAX_LIST_LEN:
            out.append(Diagnostic("KV212", f"{where}: max_len {domain.max_len} exceeds {MAX_LIST_LEN:,}", domain.pos))
        if domain.min_len > domain.max_len:
            out.append(Diagnostic("KV212", f"{where}: min_len {domain.min_len} > max_len {domain.max_len}",
                                  domain.pos))
        if domain.element is not None:
            _domain_rules(domain.element, f"element of {where}", int_variables, out)
    if domain.kind == "array":
        for dim in domain.shape:
            if isinstance(dim, str) and dim not in int_variables:
                out.append(Diagnostic("KV213", f"{where}: shape dimension '{dim}' is not an int variable",
                                      domain.pos, hint=did_you_mean(dim, int_variables)))


def check_domains(contract: Contract) -> list[Diagnostic]:
    """KV210-KV214 over variables and inline ``given`` domains."""
    out: list[Diagnostic] = []
    int_variables = {n for n, v in contract.variables.items() if v.domain.kind in ("int", "derived")}
    variable_domains = {id(v.domain) for v in contract.variables.values()}
    for var in contract.variables.values():
        _domain_rules(var.domain, f"variable '{var.name}'", int_variables, out)
    for item in (*contract.obligations, *contract.falsification_tests, *contract.harnesses):
        for name, domain in item.given.items():
            if id(domain) not in variable_domains:  # copies of variables are checked once, above
                _domain_rules(domain, f"given '{name}' of {item.id or 'an obligation'}", int_variables, out)
    out.extend(_bound_cycles(contract))
    return out


def _bound_cycles(contract: Contract) -> list[Diagnostic]:
    graph: Mapping[str, list[str]] = {
        name: [n for n in var.domain.names() if n in contract.variables]
        for name, var in contract.variables.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    out: list[Diagnostic] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in graph[name]:
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep]
                var = contract.variables[name]
                out.append(Diagnostic("KV214", f"variables depend on each other in a cycle: {' -> '.join(cycle)}",
                                      var.pos, hint="a bound or derived value may use only earlier variables"))
            elif dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    return out
