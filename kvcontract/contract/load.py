"""Load one contract file: YAML with marks, then the schema rules.

``load_with_diagnostics`` never raises for bad input: a missing file, a
directory, bytes that are not UTF-8, an empty file or broken YAML all come
back as diagnostics.  ``load_contract`` is the strict form the pipeline uses.
"""
from __future__ import annotations

from ..diagnostics import BadInput, Diagnostic
from .build import build_contract
from .model import Contract
from .yaml_load import load_yaml

__all__ = ["load_contract", "load_with_diagnostics", "has_errors"]


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def load_with_diagnostics(path: str) -> tuple[Contract | None, list[Diagnostic]]:
    """The contract (built from whatever was valid) and every diagnostic of the file.

    The contract is ``None`` only when nothing could be built (unreadable file,
    YAML errors, a document that is not a mapping).
    """
    path = str(path)
    try:
        root = load_yaml(path)
    except BadInput as exc:
        return None, exc.diagnostics
    return build_contract(root, path)


def load_contract(path: str) -> Contract:
    """The contract at ``path``; raises :class:`BadInput` listing every error."""
    contract, diagnostics = load_with_diagnostics(path)
    if contract is None or has_errors(diagnostics):
        raise BadInput([d for d in diagnostics if d.severity == "error"] or diagnostics)
    return contract
