"""The bug zoo: realistic one-line bugs of the reference KV cache, one module per contract.

Each ``<contract-id>.yaml`` here binds mutants of that contract (docs/bindings.md,
"Mutants"); ``kvcontract audit`` runs them.
"""
