"""Bug zoo for kv-cache-sizing-v1: the sizing bugs real engines have shipped.

Each function has the signature of the reference symbol it replaces
(``kvcontract.reference.sizing``) and differs from it in one line, marked
``# BUG:``.  Every mutant returns a plausible wrong answer; none raises where
the reference would not.  The mutant file ``kv-cache-sizing-v1.yaml`` next to
this module binds them and names the checks that must kill each one.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from kvcontract.reference.sizing import (
    BYTES_PER_ELEMENT,
    KV_LAYER_TYPES,
    NON_KV_LAYER_TYPES,
    _require_non_negative,
    _require_positive,
    bytes_per_element,
)
from kvcontract.reference.sizing import kv_bytes as _reference_kv_bytes

__all__ = [
    "kv_bytes_no_factor_2",
    "kv_bytes_bf16_as_f32",
    "kv_total_off_by_one_token",
    "kv_total_min_allocation",
    "kv_total_int32",
    "is_kv_layer_substring",
    "kv_layers_substring",
    "tensor_inventory_bias_always",
    "project_bias_leak",
    "kv_bytes_simd_fp8_as_f16",
]


def kv_bytes_no_factor_2(n_kv: int, d_k: int, dtype: str) -> int:
    """Sizes only K (or only V): the classic "forgot the factor of 2 for K and V"."""
    _require_positive("n_kv", n_kv)
    _require_positive("d_k", d_k)
    return n_kv * d_k * bytes_per_element(dtype)  # BUG: 2 * dropped


_UPCAST_BYTES = {**BYTES_PER_ELEMENT, "bf16": 4}  # BUG: bf16 sized as its f32 compute type


def kv_bytes_bf16_as_f32(n_kv: int, d_k: int, dtype: str) -> int:
    """bf16 caches sized with f32's 4 bytes: the size table was keyed on the compute dtype."""
    _require_positive("n_kv", n_kv)
    _require_positive("d_k", d_k)
    bytes_per = _UPCAST_BYTES.get(dtype) or bytes_per_element(dtype)
    return 2 * n_kv * d_k * bytes_per


def kv_total_off_by_one_token(L: int, S: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Reserves the slot of the next token too: total for S + 1 tokens (fence-post error)."""
    _require_non_negative("L", L)
    _require_non_negative("S", S)
    return L * (S + 1) * _reference_kv_bytes(n_kv, d_k, dtype)  # BUG: S + 1


MIN_ALLOCATION_TOKENS = 256


def kv_total_min_allocation(L: int, S: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Rounds short sequences up to a minimum block of 256 tokens: flat below 256, not monotonic."""
    _require_non_negative("L", L)
    _require_non_negative("S", S)
    return L * max(S, MIN_ALLOCATION_TOKENS) * _reference_kv_bytes(n_kv, d_k, dtype)  # BUG: max(S, 256)


def kv_total_int32(L: int, S: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Byte count held in an int32 size field: wraps past 2 GiB (Llama-3-8B f16 at 16K tokens)."""
    _require_non_negative("L", L)
    _require_non_negative("S", S)
    with np.errstate(over="ignore"):  # numpy wraps int32 silently, exactly like the C code
        return int(np.int32(L) * np.int32(S) * np.int32(_reference_kv_bytes(n_kv, d_k, dtype)))  # BUG: int32


def is_kv_layer_substring(layer_type: str) -> bool:
    """``"attention" in layer_type``: also matches linear_attention, which keeps no K/V."""
    if layer_type not in KV_LAYER_TYPES | NON_KV_LAYER_TYPES:
        raise ValueError(f"unknown layer type {layer_type!r}")
    return "attention" in layer_type  # BUG: substring test


def kv_layers_substring(layer_types: Sequence[str]) -> int:
    """Counts every layer whose type contains "attention": linear-attention layers become KV layers."""
    count = 0
    for index, layer_type in enumerate(layer_types):
        if "attention" in layer_type:  # BUG: substring test instead of membership in KV_LAYER_TYPES
            count += 1
        elif layer_type not in NON_KV_LAYER_TYPES:
            raise ValueError(f"layer {index}: unknown layer type {layer_type!r}")
    return count


def tensor_inventory_bias_always(n_layers: int, has_bias: bool) -> list[str]:
    """Emits q/k/v biases regardless of ``attention_bias``: the Qwen2 layout applied to every model."""
    _require_non_negative("n_layers", n_layers)
    names: list[str] = []
    for layer in range(n_layers):
        prefix = f"model.layers.{layer}.self_attn"
        for proj in ("q", "k", "v", "o"):
            names.append(f"{prefix}.{proj}_proj.weight")
            if proj != "o":  # BUG: `has_bias and` dropped
                names.append(f"{prefix}.{proj}_proj.bias")
    return names


_PLACEHOLDER_BIAS = 1.0 / 1024  # the value a bias buffer is initialised to in the biased code path


def project_bias_leak(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The fused kernel always adds its bias buffer, initialised to a small constant, even when bias-free."""
    W = np.asarray(W)
    x = np.asarray(x)
    if W.ndim != 2 or x.ndim != 1 or W.shape[1] != x.shape[0]:
        raise ValueError(f"project: W{W.shape} @ x{x.shape} is not a matrix-vector product")
    return W @ x + _PLACEHOLDER_BIAS  # BUG: bias added unconditionally


_SIMD_BYTES = {**BYTES_PER_ELEMENT, "fp8": 2}  # BUG: fp8 padded to 16-bit lanes in the SIMD table


def kv_bytes_simd_fp8_as_f16(n_kvs, d_ks, dtype: str) -> np.ndarray:
    """The vectorised path keeps its own dtype table, which sizes fp8 like f16: disagrees with the scalar path."""
    bpe = _SIMD_BYTES[dtype] if dtype in _SIMD_BYTES else bytes_per_element(dtype)
    n_arr, d_arr = np.broadcast_arrays(np.asarray(n_kvs), np.asarray(d_ks))
    return 2 * bpe * n_arr.astype(np.int64) * d_arr.astype(np.int64)
