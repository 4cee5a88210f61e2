"""Appending one token to a single-head K/V cache (seed 003, TorchLean ``appendKV``).

``append_kv(cache, key, value)`` returns a cache exactly one longer whose last
key and value are the new ones and whose prefix is untouched; the RoPE position
of the appended token is the old length. The module-level functions are the
symbols of kv-cache-append-v1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rope import rope_rotate

__all__ = [
    "SequenceCache",
    "append_kv",
    "append_keys",
    "append_values",
    "append_position",
    "append_rotated_key",
    "rope_rotate",
]


@dataclass(frozen=True)
class SequenceCache:
    """Keys and values ``[T, d]`` of one head of one sequence."""

    keys: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.keys.ndim != 2 or self.keys.shape != self.values.shape:
            raise ValueError(f"keys {self.keys.shape} and values {self.values.shape} must both be [T, d]")

    @classmethod
    def empty(cls, head_dim: int, dtype=np.float64) -> "SequenceCache":
        return cls(np.zeros((0, head_dim), dtype), np.zeros((0, head_dim), dtype))

    @property
    def length(self) -> int:
        return self.keys.shape[0]

    @property
    def head_dim(self) -> int:
        return self.keys.shape[1]


def _append_row(rows: np.ndarray, row: np.ndarray, what: str) -> np.ndarray:
    rows, row = np.asarray(rows), np.asarray(row)
    if rows.ndim != 2 or row.shape != (rows.shape[1],):
        raise ValueError(f"cannot append {what} of shape {row.shape} to a cache of shape {rows.shape}")
    return np.concatenate([rows, row[None, :].astype(rows.dtype, copy=False)], axis=0)  # a new array


def append_position(T: int) -> int:
    """RoPE position of the token appended to a length-``T`` cache: positions are 0-based."""
    if T < 0:
        raise ValueError(f"cache length must be >= 0, got {T}")
    return T


def append_kv(cache: SequenceCache, key: np.ndarray, value: np.ndarray) -> SequenceCache:
    """``cache`` with one more token; ``cache`` itself is not modified."""
    return SequenceCache(_append_row(cache.keys, key, "key"), _append_row(cache.values, value, "value"))


def append_keys(K: np.ndarray, k: np.ndarray) -> np.ndarray:
    K = np.asarray(K)
    return append_kv(SequenceCache(K, K), k, k).keys


def append_values(V: np.ndarray, v: np.ndarray) -> np.ndarray:
    V = np.asarray(V)
    return append_kv(SequenceCache(V, V), v, v).values


def append_rotated_key(K: np.ndarray, k: np.ndarray, rope_theta: float) -> np.ndarray:
    """Append ``k`` rotated to its position, as a decoder appends a fresh key."""
    K = np.asarray(K)
    rotated = rope_rotate(k, append_position(K.shape[0]), rope_theta)
    return append_kv(SequenceCache(K, K), rotated, rotated).keys
