"""A throwaway project for the check-pipeline tests: contracts, implementation modules, bindings.

Implementation modules get unique names (Python caches modules by name), and
the workspace directory is put on ``sys.path`` for the test's duration.
"""
from __future__ import annotations

import itertools
import os
import sys
import textwrap

__all__ = ["Workspace", "SIZING_CONTRACT", "SIZING_IMPL", "prepare"]

_COUNTER = itertools.count()

SIZING_CONTRACT = """
metadata:
  version: "1.0.0"
  description: "tiny sizing contract for tests"
variables:
  n_kv: {type: int, min: 1, max: 1024}
  d_k: {type: int, min: 1, max: 1024}
  S: {type: int, min: 1, max: 10000000}
  dtype: {type: enum, values: [f16, bf16, f32]}
symbols:
  kv_bytes: {params: [n_kv, d_k, dtype], returns: int}
  kv_total: {params: [S, n_kv, d_k, dtype], returns: int}
equations:
  per_token:
    formula: "kv_bytes = 2 * n_kv * d_k * sizeof(dtype)"
    examples:
      - {n_kv: 2, d_k: 64, dtype: f16, expect: 512}
  total:
    formula: "kv_total = S * 2 * n_kv * d_k * sizeof(dtype)"
qa_gate:
  id: G-TINY
  name: "tiny sizing"
  min_examples: 20  # the tests run small budgets on purpose
proof_obligations:
  - id: KV-MON-001
    type: monotonicity
    property: "KV total monotonic in sequence length"
    check: "S1 < S2 => kv_total(S=S1) < kv_total(S=S2)"
    given: {S1: S, S2: S}
falsification_tests:
  - id: FALSIFY-MON-001
    rule: "monotonic"
    obligation: KV-MON-001
"""

SIZING_IMPL = """
SIZES = {"f16": 2, "bf16": 2, "f32": 4}

def kv_bytes(n_kv, d_k, dtype):
    return 2 * n_kv * d_k * SIZES[dtype]

def kv_total(S, n_kv, d_k, dtype):
    return S * kv_bytes(n_kv, d_k, dtype)
"""


class Workspace:
    def __init__(self, root, monkeypatch):
        self.root = str(root)
        monkeypatch.syspath_prepend(self.root)
        self._monkeypatch = monkeypatch

    def path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def write(self, name: str, text: str) -> str:
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(text).lstrip("\n"))
        return path

    def module(self, source: str, prefix: str = "impl") -> str:
        """Write a module with a fresh name; returns the name."""
        name = f"{prefix}_{os.getpid()}_{next(_COUNTER)}"
        self.write(f"{name}.py", source)
        self._monkeypatch.delitem(sys.modules, name, raising=False)
        return name

    def contract(self, contract_id: str, text: str) -> str:
        return self.write(f"contracts/{contract_id}.yaml", text)

    def binding(self, mapping: dict, name: str = "binding.yaml") -> str:
        lines = []
        for contract_id, symbols in mapping.items():
            lines.append(f"{contract_id}:")
            lines.extend(f'  {symbol}: "{target}"' for symbol, target in symbols.items())
        return self.write(name, "\n".join(lines) + "\n")


def prepare(contract_path: str, binding_paths: list[str]):
    """(contract, planned checks by id, implementation scope) for one contract file."""
    from kvcontract.bind.binding import load_binding_files, resolve_symbols, symbols_needed
    from kvcontract.bind.scope import implementation_scope
    from kvcontract.contract.load import load_contract
    from kvcontract.plan.planner import plan_contract

    contract = load_contract(contract_path)
    checks = plan_contract(contract, None)
    bindings = load_binding_files(binding_paths)
    impls = resolve_symbols(contract, bindings, needed=symbols_needed(contract, checks))
    return contract, {c.id: c for c in checks}, implementation_scope(contract, impls)
