"""KV cache sizing: bytes per token, totals, hybrid layer accounting, tensor inventory.

The symbols of kv-cache-sizing-v1 (docs/bindings.md). Scalar functions use
plain Python ints so they never overflow and stay cheap under Hypothesis; only
the ``*_simd`` path uses numpy, and it checks for int64 overflow before
multiplying instead of wrapping silently.
"""
from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np

__all__ = [
    "BYTES_PER_ELEMENT",
    "KV_LAYER_TYPES",
    "NON_KV_LAYER_TYPES",
    "bytes_per_element",
    "kv_bytes",
    "kv_total",
    "is_kv_layer",
    "kv_layers",
    "kv_total_hybrid",
    "tensor_inventory",
    "project",
    "kv_bytes_simd",
]

BYTES_PER_ELEMENT: dict[str, int] = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}

# Layer types of Hugging Face configs (``layer_types``) that keep a K/V history.
KV_LAYER_TYPES = frozenset({"attention", "full_attention", "sliding_attention", "chunked_attention"})
# Layers with a fixed-size recurrent state instead: no per-token KV.
NON_KV_LAYER_TYPES = frozenset({"linear_attention", "mamba", "conv", "recurrent"})

_INT64_MAX = np.iinfo(np.int64).max


def bytes_per_element(dtype: str) -> int:
    """Bytes of one element of ``dtype``; ``ValueError`` naming the known dtypes otherwise."""
    try:
        return BYTES_PER_ELEMENT[dtype]
    except (KeyError, TypeError):
        known = ", ".join(BYTES_PER_ELEMENT)
        raise ValueError(f"unknown dtype {dtype!r}; known dtypes: {known}") from None


def _require_int_at_least(name: str, value: int, least: int) -> None:
    # Plain validation, as real engines do; kvcontract's Z3 harness explores both
    # branches (its int tracers are numbers.Integral), so no tracing-aware guard.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, got {value}")


def _require_positive(name: str, value: int) -> None:
    _require_int_at_least(name, value, 1)


def _require_non_negative(name: str, value: int) -> None:
    _require_int_at_least(name, value, 0)


def kv_bytes(n_kv: int, d_k: int, dtype: str) -> int:
    """K and V bytes of one token in one layer: ``2 * n_kv * d_k * sizeof(dtype)``."""
    _require_positive("n_kv", n_kv)
    _require_positive("d_k", d_k)
    return 2 * n_kv * d_k * bytes_per_element(dtype)


def kv_total(L: int, S: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Bytes of ``L`` KV-holding layers for ``S`` tokens (0 layers or 0 tokens: 0 bytes)."""
    _require_non_negative("L", L)
    _require_non_negative("S", S)
    return L * S * kv_bytes(n_kv, d_k, dtype)


def is_kv_layer(layer_type: str) -> bool:
    """Does a layer of this type keep a per-token K/V cache (unknown type → ValueError)."""
    if layer_type in KV_LAYER_TYPES:
        return True
    if layer_type in NON_KV_LAYER_TYPES:
        return False
    known = ", ".join(sorted(KV_LAYER_TYPES | NON_KV_LAYER_TYPES))
    raise ValueError(f"unknown layer type {layer_type!r}; known: {known}")


def kv_layers(layer_types: Sequence[str]) -> int:
    """How many layers hold a KV cache; an unknown layer type is an error, not a guess."""
    count = 0
    for index, layer_type in enumerate(layer_types):
        if layer_type in KV_LAYER_TYPES:
            count += 1
        elif layer_type not in NON_KV_LAYER_TYPES:
            known = ", ".join(sorted(KV_LAYER_TYPES | NON_KV_LAYER_TYPES))
            raise ValueError(f"layer {index}: unknown layer type {layer_type!r}; known: {known}")
    return count


def kv_total_hybrid(layer_types: Sequence[str], S: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Total KV bytes of a hybrid stack: only KV-holding layers count."""
    return kv_total(kv_layers(layer_types), S, n_kv, d_k, dtype)


def tensor_inventory(n_layers: int, has_bias: bool) -> list[str]:
    """Attention projection tensor names of every layer.

    With ``has_bias`` the q, k and v projections carry a bias and o does not:
    the Qwen2 convention (Llama's ``attention_bias`` would also bias o_proj).
    """
    _require_non_negative("n_layers", n_layers)
    names: list[str] = []
    for layer in range(n_layers):
        prefix = f"model.layers.{layer}.self_attn"
        for proj in ("q", "k", "v", "o"):
            names.append(f"{prefix}.{proj}_proj.weight")
            if has_bias and proj != "o":
                names.append(f"{prefix}.{proj}_proj.bias")
    return names


def project(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Bias-free projection ``W @ x``."""
    W = np.asarray(W)
    x = np.asarray(x)
    if W.ndim != 2 or x.ndim != 1 or W.shape[1] != x.shape[0]:
        raise ValueError(f"project: W{W.shape} @ x{x.shape} is not a matrix-vector product")
    return W @ x


def kv_bytes_simd(n_kvs, d_ks, dtype: str):
    """Vectorised :func:`kv_bytes` over broadcast ``n_kvs`` and ``d_ks`` (int64).

    Two scalars give a Python ``int`` (computed by the same numpy path), so a
    contract can compare it with the scalar ``kv_bytes`` directly.

    Raises ``OverflowError`` if any element would exceed int64, checked with
    Python ints before numpy multiplies (numpy integer overflow wraps).
    """
    bpe = bytes_per_element(dtype)
    n_arr, d_arr = np.broadcast_arrays(np.asarray(n_kvs), np.asarray(d_ks))
    for name, arr in (("n_kv", n_arr), ("d_k", d_arr)):
        if arr.size and arr.dtype.kind not in "iu":
            raise ValueError(f"kv_bytes_simd: {name} must be integers, got dtype {arr.dtype}")
        if arr.size and int(arr.min()) < 1:
            raise ValueError(f"kv_bytes_simd: every {name} must be >= 1, got {int(arr.min())}")
    if n_arr.size:
        largest = 2 * bpe * int(n_arr.max()) * int(d_arr.max())
        if largest > _INT64_MAX:  # a cheap sufficient test first
            products = [2 * bpe * int(n) * int(d) for n, d in zip(n_arr.ravel(), d_arr.ravel())]
            if max(products) > _INT64_MAX:
                raise OverflowError(f"kv_bytes_simd: {max(products)} bytes does not fit in int64")
    result = 2 * bpe * n_arr.astype(np.int64) * d_arr.astype(np.int64)
    return int(result) if result.ndim == 0 else result
