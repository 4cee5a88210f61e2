"""``kvcontract render``: one contract as a markdown page a reviewer reads.

Layout (after the provable-contracts pages): title, version, description,
references, dependencies, a mermaid graph of direct dependencies and
dependents, variables, symbols, equations, proof obligations (with ids),
falsification tests, harnesses, the QA gate, notes.  Expressions that execute
are shown in code spans; prose (legacy formulas, domains, invariants) is shown
as prose, never wrapped in ``$$math$$``.  Output is deterministic: file order
for everything the author ordered, sorted order for dependents.
"""
from __future__ import annotations

import re

from ..contract.model import Contract, Domain
from ..contract.repository import ContractSet

__all__ = ["render_contract", "domain_text", "mermaid_id"]


def mermaid_id(contract_id: str) -> str:
    return re.sub(r"\W", "_", contract_id)


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: str) -> str:
    flat = " ".join(str(text).split())
    if not flat:
        return ""
    fence = "``" if "`" in flat else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{flat}{pad}{fence}".replace("|", "\\|")


def _bound(domain: Domain, key: str) -> str:
    text = domain.texts.get(key)
    return text.text.strip() if text is not None else "?"


def domain_text(domain: Domain) -> str:
    """A one-line summary of a domain: ``[1, 1024]``, ``f16 | bf16``, ``list[enum] len 0..64``."""
    if domain.kind in ("int", "float"):
        lo = "(" if domain.exclusive_min else "["
        hi = ")" if domain.exclusive_max else "]"
        return f"{domain.kind} {lo}{_bound(domain, 'min')}, {_bound(domain, 'max')}{hi}"
    if domain.kind == "bool":
        return "bool"
    if domain.kind == "enum":
        return "one of " + ", ".join(domain.values)
    if domain.kind == "list":
        element = domain_text(domain.element) if domain.element is not None else "?"
        return f"list of ({element}), length {domain.min_len}..{domain.max_len}"
    if domain.kind == "array":
        shape = ", ".join(str(d) for d in domain.shape)
        values = f" in [{_bound(domain, 'min')}, {_bound(domain, 'max')}]" if "min" in domain.texts else ""
        return f"{domain.dtype}[{shape}]{values}"
    if domain.kind == "derived":
        return f"= {_bound(domain, 'value')}"
    return domain.kind


def _section_header(contract: Contract) -> list[str]:
    meta = contract.metadata
    out = [f"# {contract.id}", "", f"**Version:** {meta.version}", ""]
    if meta.description:
        out += [meta.description, ""]
    if meta.references:
        out += ["## References", ""] + [f"- {ref}" for ref in meta.references] + [""]
    return out


def _section_dependencies(contract: Contract, contract_set: ContractSet | None) -> list[str]:
    deps = list(contract.metadata.depends_on)
    dependents = list(contract_set.dependents(contract.id)) if contract_set is not None else []
    out: list[str] = []
    if deps:
        out += ["## Dependencies", ""] + [f"- [{dep}]({dep}.md)" for dep in deps] + [""]
    if deps or dependents:
        node = lambda cid: f'{mermaid_id(cid)}["{cid}"]'  # noqa: E731 - tiny local formatter
        out += ["## Dependency Graph", "", "```mermaid", "graph LR"]
        out += [f"    {node(contract.id)} --> {node(dep)}" for dep in deps]
        out += [f"    {node(dependent)} --> {node(contract.id)}" for dependent in dependents]
        out += ["```", ""]
    return out


def _section_variables(contract: Contract) -> list[str]:
    out: list[str] = []
    if contract.variables:
        out += ["## Variables", "", "| Name | Domain | Description |", "|------|--------|-------------|"]
        out += [f"| {_code(v.name)} | {_cell(domain_text(v.domain))} | {_cell(v.description)} |"
                for v in contract.variables.values()]
        out.append("")
    if contract.symbols:
        out += ["## Symbols", "", "| Symbol | Parameters | Returns | Description |",
                "|--------|------------|---------|-------------|"]
        out += [f"| {_code(s.name)} | {_cell(', '.join(s.params))} | {_cell(s.returns)} | {_cell(s.description)} |"
                for s in contract.symbols.values()]
        out.append("")
    return out


def _section_equations(contract: Contract) -> list[str]:
    if not contract.equations:
        return []
    out = ["## Equations", ""]
    for eq in contract.equations.values():
        out += [f"### {eq.name}", ""]
        if eq.expr is not None:
            out += [_code(eq.formula.text), ""]
            if eq.defines:
                signature = f"{eq.defines}({', '.join(eq.params)})"
                out += [f"Defines {_code(signature)}.", ""]
            else:
                out += ["A law: a property of its variables, not a definition.", ""]
        else:
            out += [f"{' '.join(eq.formula.text.split())} *(prose: not executable)*", ""]
        if eq.domain:
            out += [f"**Domain:** {eq.domain}", ""]
        if eq.codomain:
            out += [f"**Codomain:** {eq.codomain}", ""]
        if eq.assume_texts:
            out += ["**Assumes:** " + ", ".join(_code(t.text) for t in eq.assume_texts), ""]
        if eq.invariants:
            out += ["**Invariants:**", ""] + [f"- {inv}" for inv in eq.invariants] + [""]
        if eq.examples:
            out += [f"**Examples:** {len(eq.examples)}", ""]
    return out


def _section_obligations(contract: Contract) -> list[str]:
    if not contract.obligations:
        return []
    out = ["## Proof Obligations", "", "| ID | Type | Property | Check |", "|----|------|----------|-------|"]
    for ob in contract.obligations:
        if ob.check_text is not None:
            check = _code(ob.check_text.text)
        elif ob.formal:
            check = f"{_cell(ob.formal)} *(prose)*"
        else:
            check = "—"
        out.append(f"| {_cell(ob.id) or '—'} | {_cell(ob.type)} | {_cell(ob.property)} | {check} |")
    out.append("")
    return out


def _section_tests(contract: Contract) -> list[str]:
    if not contract.falsification_tests:
        return []
    out = ["## Falsification Tests", "", "| ID | Obligation | Rule | Prediction | If Fails |",
           "|----|------------|------|------------|----------|"]
    out += [
        f"| {_cell(t.id)} | {_cell(t.obligation or '—')} | {_cell(t.rule)} | {_cell(t.prediction)} | "
        f"{_cell(t.if_fails)} |"
        for t in contract.falsification_tests
    ]
    out.append("")
    return out


def _section_harnesses(contract: Contract) -> list[str]:
    if not contract.harnesses:
        return []
    out = ["## Kani Harnesses", "", "| ID | Obligation | Bound | Strategy | Property |",
           "|----|------------|-------|----------|----------|"]
    out += [
        f"| {_cell(h.id)} | {_cell(h.obligation)} | {h.bound} | {_cell(h.strategy or '—')} | {_cell(h.property)} |"
        for h in contract.harnesses
    ]
    out.append("")
    return out


def _section_gate(contract: Contract) -> list[str]:
    gate = contract.gate
    if gate is None:
        return []
    out = ["## QA Gate", "", f"**{gate.name}** ({gate.id})", ""]
    if gate.description:
        out += [gate.description, ""]
    if gate.checks:
        out += ["**Checks:** " + ", ".join(_code(c.name) for c in gate.checks), ""]
    if gate.pass_criteria:
        out += [f"**Pass criteria:** {gate.pass_criteria}", ""]
    if gate.falsification:
        out += [f"**Falsification:** {gate.falsification}", ""]
    return out


def _section_notes(contract: Contract) -> list[str]:
    out: list[str] = []
    if contract.metadata.notes:
        out += ["## Notes", "", contract.metadata.notes.rstrip(), ""]
    if contract.extras:
        out += ["## Other Sections", "", "Carried from provable-contracts, not executed: "
                + ", ".join(_code(name) for name in contract.extras) + ".", ""]
    return out


def render_contract(contract: Contract, contract_set: ContractSet | None = None) -> str:
    """The markdown page of ``contract``; dependents come from ``contract_set``."""
    lines = (
        _section_header(contract)
        + _section_dependencies(contract, contract_set)
        + _section_variables(contract)
        + _section_equations(contract)
        + _section_obligations(contract)
        + _section_tests(contract)
        + _section_harnesses(contract)
        + _section_gate(contract)
        + _section_notes(contract)
    )
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
