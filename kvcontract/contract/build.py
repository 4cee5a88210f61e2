"""Node tree -> :class:`~kvcontract.contract.model.Contract`: the schema rules.

Every section is read with :class:`~kvcontract.contract.fields.FieldReader`,
which records a diagnostic for each problem and carries on, so one run
reports every schema error of a file.  A file with ``variables`` or
``symbols`` is a *kvcontract* file and must give obligation ids and harness
bounds; any other file is a *legacy* provable-contracts file, whose missing
ids are warnings and whose prose formulas are warnings (``KV301``).

Codes (besides those of fields.py): KV104 the document is not a mapping,
KV120 obligation without id (kvcontract file), KV121 the same in a legacy
file (warning), KV122 legacy harness without bound/strategy (warning).
"""
from __future__ import annotations

import os
from typing import Any

from ..diagnostics import Diagnostic, SourcePos
from ..expr.nodes import Compare, Name, free_names
from .fields import IDENTIFIER, FieldReader
from .model import (
    ENGINES,
    HARNESS_STRATEGIES,
    OBLIGATION_TYPES,
    Contract,
    Equation,
    FalsificationTest,
    GateCheckRef,
    Harness,
    Metadata,
    Obligation,
    QAGate,
    SourceText,
    Symbol,
    Variable,
)
from .yaml_load import YMap, YNode, YScalar, to_plain

__all__ = ["build_contract", "is_kvcontract_file", "SYMBOL_RETURNS", "LEGACY_OBLIGATION_TYPES"]

EXTRA_SECTIONS = ("kernel_structure", "simd_dispatch", "enforcement", "verification_summary",
                  "type_invariants", "coq_spec")
TOP_KEYS = ("metadata", "variables", "symbols", "equations", "proof_obligations", "falsification_tests",
            "kani_harnesses", "qa_gate", "mutants") + EXTRA_SECTIONS
METADATA_KEYS = ("id", "version", "description", "created", "author", "references", "depends_on", "notes",
                 "registry", "enforcement_level", "locked_level")
SYMBOL_RETURNS = ("int", "float", "bool", "str", "list[str]", "list[int]", "list[float]", "array", "any")
EQUATION_KEYS = ("formula", "domain", "codomain", "invariants", "tolerance", "rtol", "assume", "examples",
                 "engines", "description", "preconditions", "postconditions", "lean_theorem")
# Types added by later provable-contracts versions: accepted and carried.
LEGACY_OBLIGATION_TYPES = ("involution", "determinism", "roundtrip", "state_machine", "classification",
                           "independence", "termination", "precondition", "postcondition", "frame",
                           "loop_invariant", "loop_variant", "old_state", "subcontract")
OBLIGATION_KEYS = ("id", "type", "property", "formal", "check", "given", "assume", "tolerance", "applies_to",
                   "lean", "engines", "quantifier", "minimize", "examples", "notes",
                   "requires", "applies_to_phase", "parent_contract")
TEST_KEYS = ("id", "rule", "prediction", "test", "if_fails", "obligation", "check", "given", "assume",
             "examples", "max_examples", "min_examples", "state_machine")
HARNESS_KEYS = ("id", "obligation", "property", "bound", "strategy", "solver", "harness", "check", "given",
                "assume", "width", "signed")
GATE_KEYS = ("id", "name", "description", "checks", "pass_criteria", "falsification", "min_examples")


def is_kvcontract_file(root: YMap) -> bool:
    return root.get("variables") is not None or root.get("symbols") is not None


def build_contract(root: YNode | None, path: str) -> tuple[Contract | None, list[Diagnostic]]:
    """Read a whole contract; returns the contract built from what was valid and every diagnostic."""
    reader = FieldReader(path)
    if root is None:
        reader.error("KV104", "empty file: a contract needs at least 'metadata'", SourcePos(path, 1, 1))
        return None, reader.diagnostics
    if not isinstance(root, YMap):
        reader.type_error(root, "a contract file", "a mapping of sections (metadata, equations, ...)")
        return None, reader.diagnostics
    return _Builder(reader, root, path).build(), reader.diagnostics


class _Builder:
    def __init__(self, reader: FieldReader, root: YMap, path: str):
        self.r = reader
        self.root = root
        self.path = path
        self.strict = is_kvcontract_file(root)

    def build(self) -> Contract:
        self.r.check_keys(self.root, "the contract", TOP_KEYS, ("metadata",))
        metadata = self.metadata(self.root.get("metadata"))
        variables = self.variables(self.root.get("variables"))
        symbols = self.symbols(self.root.get("symbols"))
        equations = self.equations(self.root.get("equations"), symbols)
        obligations = self.obligations(self.root.get("proof_obligations"), variables)
        tests = self.tests(self.root.get("falsification_tests"), variables)
        harnesses = self.harnesses(self.root.get("kani_harnesses"), variables)
        gate = self.gate(self.root.get("qa_gate"))
        mutants = self.r.strict_string(self.root.get("mutants"), "mutants")
        extras = {name: to_plain(node) for name in EXTRA_SECTIONS if (node := self.root.get(name)) is not None}
        stem = os.path.splitext(os.path.basename(self.path))[0]
        return Contract(
            id=self._metadata_id or stem,
            path=self.path,
            metadata=metadata,
            variables=variables,
            symbols=symbols,
            equations=equations,
            obligations=obligations,
            falsification_tests=tests,
            harnesses=harnesses,
            gate=gate,
            mutants=mutants,
            extras=extras,
        )

    # -- metadata ----------------------------------------------------------
    def metadata(self, node: YNode | None) -> Metadata:
        self._metadata_id = None
        m = self.r.mapping(node, "metadata")
        if m is None:
            return Metadata(version="", description="", pos=(node or self.root).pos)
        self.r.check_keys(m, "metadata", METADATA_KEYS, ("version", "description"))
        self._metadata_id = self.r.strict_string(m.get("id"), "metadata id")
        depends = self.r.strings(m.get("depends_on"), "metadata depends_on")
        if m.get("registry") is not None:
            self.r.boolean(m.get("registry"), "metadata registry")
        return Metadata(
            version=self.r.strict_string(m.get("version"), "metadata version") or "",
            description=self.r.string(m.get("description"), "metadata description"),
            pos=m.pos,
            created=self.r.string(m.get("created"), "metadata created"),
            author=self.r.string(m.get("author"), "metadata author"),
            references=tuple(s.value for s in self.r.strings(m.get("references"), "metadata references")),
            depends_on=tuple(s.value for s in depends),
            depends_on_pos=tuple(s.pos for s in depends),
            notes=self.r.string(m.get("notes"), "metadata notes"),
        )

    # -- variables and symbols --------------------------------------------
    def variables(self, node: YNode | None) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        m = self.r.mapping(node, "variables")
        for key, value in m.items if m else ():
            name = str(key.value)
            if not IDENTIFIER.match(name):
                self.r.error("KV112", f"variable name '{name}' is not an identifier", key.pos)
                continue
            domain = self.r.domain(value, f"variable '{name}'")
            if domain is not None:
                desc = value.get("description") if isinstance(value, YMap) else None
                out[name] = Variable(name, domain, key.pos, self.r.string(desc, f"description of '{name}'"))
        return out

    def symbols(self, node: YNode | None) -> dict[str, Symbol]:
        out: dict[str, Symbol] = {}
        m = self.r.mapping(node, "symbols")
        for key, value in m.items if m else ():
            name = str(key.value)
            where = f"symbol '{name}'"
            sm = self.r.mapping(value, where)
            if sm is None:
                continue
            self.r.check_keys(sm, where, ("params", "returns", "description"), ("params",))
            params = self.r.strings(sm.get("params"), f"params of {where}")
            returns = self.r.choice(sm.get("returns"), f"returns of {where}", SYMBOL_RETURNS) or "any"
            out[name] = Symbol(name, tuple(p.value for p in params), returns, key.pos,
                               self.r.string(sm.get("description"), f"description of {where}"))
        return out

    # -- equations -----------------------------------------------------------
    def equations(self, node: YNode | None, symbols: dict[str, Symbol]) -> dict[str, Equation]:
        m = self.r.mapping(node, "equations")
        parsed: list[tuple[str, YMap, Any, Any]] = []
        for key, value in m.items if m else ():
            name = str(key.value)
            where = f"equation '{name}'"
            em = self.r.mapping(value, where)
            if em is None:
                continue
            self.r.check_keys(em, where, EQUATION_KEYS, ("formula",))
            text = self.r.source_text(em.get("formula")) if em.get("formula") is not None else None
            if em.get("formula") is not None and text is None:
                self.r.type_error(em.get("formula"), f"formula of {where}", "a string")
            expr = self.r.parse(text, f"formula of {where}", prose_ok=True) if text else None
            parsed.append((name, em, text, expr))
        # Defined names first: a bare reference to another definition is a call, not a parameter.
        functions = set(symbols) | {name for name, *_ in parsed}
        functions |= {d for *_, expr in parsed if (d := _defined_name(expr))}
        out: dict[str, Equation] = {}
        for name, em, text, expr in parsed:
            where = f"equation '{name}'"
            defines = _defined_name(expr)
            body = expr.comparators[0] if defines else None
            if defines in symbols:
                params = symbols[defines].params
            elif body is not None:
                params = tuple(n for n in free_names(body) if n not in functions)
            else:
                params = ()
            out[name] = Equation(
                name=name,
                formula=text or SourceText("", em.pos),
                pos=em.pos,
                expr=expr,
                defines=defines,
                params=params,
                body=body,
                domain=self.r.string(em.get("domain"), f"domain of {where}"),
                codomain=self.r.string(em.get("codomain"), f"codomain of {where}"),
                invariants=tuple(s.value for s in self.r.strings(em.get("invariants"), f"invariants of {where}")),
                tolerance=self.r.number(em.get("tolerance"), f"tolerance of {where}", minimum=0) or 0.0,
                rtol=self.r.number(em.get("rtol"), f"rtol of {where}", minimum=0) or 0.0,
                assume=(assume := self.r.expressions(em.get("assume"), f"assume of {where}"))[0],
                assume_texts=assume[1],
                examples=self.r.examples(em.get("examples"), where),
                engines=self._engines(em.get("engines"), where),
                parse_error=None if expr is not None or text is None else "not an executable expression",
            )
        return out

    def _engines(self, node: YNode | None, where: str) -> tuple[str, ...]:
        items = self.r.strings(node, f"engines of {where}", allow_single=True)
        return tuple(e for item in items if (e := self.r.choice(item, f"engine of {where}", ENGINES)))

    # -- obligations ---------------------------------------------------------
    def obligations(self, node: YNode | None, variables: dict[str, Variable]) -> tuple[Obligation, ...]:
        out = []
        for index, item in enumerate(self.r.sequence(node, "proof_obligations"), start=1):
            m = self.r.mapping(item, f"proof obligation #{index}")
            if m is None:
                continue
            oid = self.r.strict_string(m.get("id"), f"id of proof obligation #{index}") or ""
            where = f"obligation {oid}" if oid else f"proof obligation #{index}"
            self.r.check_keys(m, where, OBLIGATION_KEYS, ("type", "property"))
            if not oid and m.get("id") is None:
                if self.strict:
                    self.r.error("KV120", f"{where} has no id", m.pos, hint="kvcontract files need an id per obligation")
                else:
                    self.r.warn("KV121", f"{where} has no id: nothing can reference it", m.pos)
            ob_type = self.r.choice(m.get("type"), f"type of {where}", OBLIGATION_TYPES + LEGACY_OBLIGATION_TYPES)
            check, check_text = self.r.expression(m.get("check"), f"check of {where}")
            formal_node = m.get("formal")
            formal = self.r.string(formal_node, f"formal of {where}")
            if m.get("check") is None and formal_node is not None:
                check_text = self.r.source_text(formal_node)
                check = self.r.parse(check_text, f"formal of {where}", prose_ok=True) if check_text else None
                if check is None:
                    check_text = None
            lean = m.get("lean")
            out.append(
                Obligation(
                    id=oid,
                    type=ob_type or "",
                    property=self.r.string(m.get("property"), f"property of {where}"),
                    pos=m.pos,
                    formal=formal,
                    check=check,
                    check_text=check_text,
                    given=self.r.given(m.get("given"), where, variables),
                    assume=(assume := self.r.expressions(m.get("assume"), f"assume of {where}"))[0],
                    assume_texts=assume[1],
                    tolerance=self.r.number(m.get("tolerance"), f"tolerance of {where}", minimum=0),
                    applies_to=self.r.string(m.get("applies_to"), f"applies_to of {where}", "all"),
                    lean=_lean_name(lean),
                    engines=self._engines(m.get("engines"), where),
                    quantifier=self.r.choice(m.get("quantifier"), f"quantifier of {where}", ("forall", "exists"))
                    or "forall",
                    minimize=(minimize := self.r.expression(m.get("minimize"), f"minimize of {where}"))[0],
                    minimize_text=minimize[1],
                    examples=self.r.examples(m.get("examples"), where),
                    notes=self.r.string(m.get("notes"), f"notes of {where}"),
                )
            )
        return tuple(out)

    # -- falsification tests and harnesses -----------------------------------
    def tests(self, node: YNode | None, variables: dict[str, Variable]) -> tuple[FalsificationTest, ...]:
        out = []
        for index, item in enumerate(self.r.sequence(node, "falsification_tests"), start=1):
            m = self.r.mapping(item, f"falsification test #{index}")
            if m is None:
                continue
            tid = self.r.strict_string(m.get("id"), f"id of falsification test #{index}") or ""
            where = f"falsification test {tid or '#' + str(index)}"
            self.r.check_keys(m, where, TEST_KEYS, ("id", "rule"))
            ob_node = m.get("obligation")
            check, check_text = self.r.expression(m.get("check"), f"check of {where}")
            machine = self.r.strict_string(m.get("state_machine"), f"state_machine of {where}")
            if machine is not None and not machine.isidentifier():
                # Contracts never name code: only binding files do (the safety rule).
                self.r.error("KV112", f"state_machine of {where} must name a declared symbol, got '{machine}'",
                             m.get("state_machine").pos,
                             hint="declare it under 'symbols' (params: [], returns: any) and bind it to the "
                                  "machine factory in the binding file")
            out.append(
                FalsificationTest(
                    id=tid,
                    rule=self.r.string(m.get("rule"), f"rule of {where}"),
                    pos=m.pos,
                    prediction=self.r.string(m.get("prediction"), f"prediction of {where}"),
                    test=self.r.string(m.get("test"), f"test of {where}"),
                    if_fails=self.r.string(m.get("if_fails"), f"if_fails of {where}"),
                    obligation=self.r.strict_string(ob_node, f"obligation of {where}"),
                    obligation_pos=ob_node.pos if ob_node is not None else None,
                    check=check,
                    check_text=check_text,
                    given=self.r.given(m.get("given"), where, variables),
                    assume=(assume := self.r.expressions(m.get("assume"), f"assume of {where}"))[0],
                    assume_texts=assume[1],
                    examples=self.r.examples(m.get("examples"), where),
                    max_examples=self.r.integer(m.get("max_examples"), f"max_examples of {where}", minimum=1),
                    min_examples=self.r.integer(m.get("min_examples"), f"min_examples of {where}", minimum=0),
                    state_machine=machine,
                )
            )
        return tuple(out)

    def harnesses(self, node: YNode | None, variables: dict[str, Variable]) -> tuple[Harness, ...]:
        out = []
        for index, item in enumerate(self.r.sequence(node, "kani_harnesses"), start=1):
            m = self.r.mapping(item, f"kani harness #{index}")
            if m is None:
                continue
            hid = self.r.strict_string(m.get("id"), f"id of kani harness #{index}") or ""
            where = f"harness {hid or '#' + str(index)}"
            required = ("id", "obligation", "bound", "strategy") if self.strict else ("id", "obligation")
            self.r.check_keys(m, where, HARNESS_KEYS, required)
            if not self.strict and (m.get("bound") is None or m.get("strategy") is None):
                self.r.warn("KV122", f"{where} has no bound or strategy: it cannot run", m.pos)
            ob_node = m.get("obligation")
            check, check_text = self.r.expression(m.get("check"), f"check of {where}")
            out.append(
                Harness(
                    id=hid,
                    obligation=self.r.strict_string(ob_node, f"obligation of {where}") or "",
                    bound=self.r.integer(m.get("bound"), f"bound of {where}", minimum=0) or 0,
                    strategy=self.r.choice(m.get("strategy"), f"strategy of {where}", HARNESS_STRATEGIES) or "",
                    pos=m.pos,
                    obligation_pos=ob_node.pos if ob_node is not None else None,
                    property=self.r.string(m.get("property"), f"property of {where}"),
                    solver=self.r.string(m.get("solver"), f"solver of {where}"),
                    harness=self.r.string(m.get("harness"), f"harness of {where}"),
                    check=check,
                    check_text=check_text,
                    given=self.r.given(m.get("given"), where, variables),
                    assume=(assume := self.r.expressions(m.get("assume"), f"assume of {where}"))[0],
                    assume_texts=assume[1],
                    width=self.r.integer(m.get("width"), f"width of {where}", minimum=1),
                    signed=self.r.boolean(m.get("signed"), f"signed of {where}"),
                )
            )
        return tuple(out)

    # -- gate ------------------------------------------------------------------
    def gate(self, node: YNode | None) -> QAGate | None:
        m = self.r.mapping(node, "qa_gate")
        if m is None:
            return None
        self.r.check_keys(m, "qa_gate", GATE_KEYS, ("id", "name"))
        criteria = m.get("pass_criteria")
        return QAGate(
            id=self.r.strict_string(m.get("id"), "qa_gate id") or "",
            name=self.r.string(m.get("name"), "qa_gate name"),
            pos=m.pos,
            description=self.r.string(m.get("description"), "qa_gate description"),
            checks=tuple(GateCheckRef(s.value, s.pos) for s in self.r.strings(m.get("checks"), "qa_gate checks")),
            pass_criteria=self.r.string(criteria, "qa_gate pass_criteria"),
            pass_criteria_pos=criteria.text.pos if isinstance(criteria, YScalar) and criteria.text else None,
            falsification=self.r.string(m.get("falsification"), "qa_gate falsification"),
            min_examples=self.r.integer(m.get("min_examples"), "qa_gate min_examples", minimum=0),
        )


def _defined_name(expr: Any) -> str | None:
    """``NAME = expr`` / ``NAME == expr`` with a bare name on the left defines NAME."""
    if isinstance(expr, Compare) and len(expr.ops) == 1 and expr.ops[0] in ("=", "==") and isinstance(expr.left, Name):
        return expr.left.id
    return None


def _lean_name(node: YNode | None) -> str:
    if isinstance(node, YScalar) and isinstance(node.value, str):
        return node.value
    if isinstance(node, YMap):
        theorem = node.get("theorem")
        return str(theorem.value) if isinstance(theorem, YScalar) else ""
    return ""
