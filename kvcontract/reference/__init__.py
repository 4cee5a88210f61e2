"""The reference KV cache: the default implementation under test and the oracle.

One module per seed concern; each module's functions of plain values are the
symbols bound in ``harnesses/reference.yaml`` (see docs/bindings.md).
"""
__all__ = ["sizing", "model_config", "allocation", "cache", "append", "rope", "attention", "quant"]
