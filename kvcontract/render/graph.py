"""``kvcontract graph`` and ``kvcontract list``: the contracts of a set, as text.

The dependency graph comes out as plain text, mermaid, Graphviz dot or JSON;
a ``depends_on`` that did not resolve is still drawn, marked missing, so the
picture shows the hole instead of hiding it.  Output is sorted by id, so the
same files always give the same bytes.
"""
from __future__ import annotations

import json

from ..contract.model import Contract
from ..contract.repository import ContractSet
from .contract_md import mermaid_id

__all__ = ["graph", "list_contracts", "GRAPH_FORMATS", "contract_counts"]

GRAPH_FORMATS = ("text", "mermaid", "dot", "json")


def _edges(contract_set: ContractSet) -> list[tuple[str, str]]:
    return [(cid, dep) for cid, c in contract_set.contracts.items() for dep in c.metadata.depends_on]


def _missing(contract_set: ContractSet) -> list[str]:
    return sorted({dep for _, dep in _edges(contract_set) if dep not in contract_set.contracts})


def _text(contract_set: ContractSet) -> str:
    lines = []
    for cid, contract in contract_set.contracts.items():
        lines.append(cid)
        for dep in contract.metadata.depends_on:
            lines.append(f"  -> {dep}" + ("" if dep in contract_set.contracts else "  (missing)"))
    return "\n".join(lines) + "\n"


def _mermaid(contract_set: ContractSet) -> str:
    lines = ["graph LR"]
    for cid in contract_set.contracts:
        lines.append(f'    {mermaid_id(cid)}["{cid}"]')
    for dep in _missing(contract_set):
        lines.append(f'    {mermaid_id(dep)}["{dep} (missing)"]:::missing')
    for source, target in _edges(contract_set):
        lines.append(f"    {mermaid_id(source)} --> {mermaid_id(target)}")
    if _missing(contract_set):
        lines.append("    classDef missing stroke-dasharray: 5 5")
    return "\n".join(lines) + "\n"


def _dot(contract_set: ContractSet) -> str:
    lines = ["digraph contracts {", "    rankdir=LR;", "    node [shape=box];"]
    for cid in contract_set.contracts:
        lines.append(f"    {json.dumps(cid)};")
    for dep in _missing(contract_set):
        lines.append(f"    {json.dumps(dep)} [style=dashed, label={json.dumps(dep + ' (missing)')}];")
    for source, target in _edges(contract_set):
        lines.append(f"    {json.dumps(source)} -> {json.dumps(target)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def contract_counts(contract: Contract) -> dict[str, int]:
    return {
        "equations": len(contract.equations),
        "obligations": len(contract.obligations),
        "falsification_tests": len(contract.falsification_tests),
        "harnesses": len(contract.harnesses),
    }


def _json(contract_set: ContractSet) -> str:
    document = {
        "contracts": [
            {
                "id": cid,
                "version": c.metadata.version,
                "depends_on": list(c.metadata.depends_on),
                "dependents": list(contract_set.dependents(cid)),
                "counts": contract_counts(c),
            }
            for cid, c in contract_set.contracts.items()
        ],
        "edges": [list(edge) for edge in _edges(contract_set)],
        "missing": _missing(contract_set),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


_RENDERERS = {"text": _text, "mermaid": _mermaid, "dot": _dot, "json": _json}


def graph(contract_set: ContractSet, fmt: str = "text") -> str:
    """The dependency graph of every contract in ``contract_set`` in ``fmt`` (one of GRAPH_FORMATS)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown graph format '{fmt}' (one of: {', '.join(GRAPH_FORMATS)})") from None
    return renderer(contract_set)


def list_contracts(contract_set: ContractSet) -> str:
    """One aligned line per requested contract: id, version and its counts."""
    contracts = contract_set.requested_contracts() or tuple(contract_set.contracts.values())
    contracts = tuple(sorted(contracts, key=lambda c: c.id))
    if not contracts:
        return ""
    width = max(len(c.id) for c in contracts)
    version_width = max(len(c.metadata.version) for c in contracts)
    lines = []
    for c in contracts:
        n = contract_counts(c)
        lines.append(
            f"{c.id:<{width}}  {c.metadata.version:<{version_width}}  "
            f"{n['equations']:>3} equations  {n['obligations']:>3} obligations  "
            f"{n['falsification_tests']:>3} tests  {n['harnesses']:>3} harnesses"
        )
    return "\n".join(lines) + "\n"
