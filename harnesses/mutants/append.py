"""Bug zoo for kv-cache-append-v1: appending one token, and its RoPE position.

Each function has the signature of a reference symbol
(``kvcontract.reference.append``) and differs from it in one line (``# BUG:``).
"""
from __future__ import annotations

import numpy as np

from kvcontract.reference.append import append_position as _reference_position
from kvcontract.reference.rope import rope_rotate

__all__ = [
    "append_keys_overwrites_last",
    "append_values_overwrites_last",
    "append_keys_history_through_f16",
    "append_position_one_based",
    "append_rotated_key_shifted_position",
    "append_keys_ring_buffer",
    "rope_rotate_f32_angles",
]


def _overwrite_last(rows: np.ndarray, row: np.ndarray) -> np.ndarray:
    rows, row = np.asarray(rows), np.asarray(row)
    if rows.ndim != 2 or row.shape != (rows.shape[1],):
        raise ValueError(f"cannot append a row of shape {row.shape} to a cache of shape {rows.shape}")
    out = np.zeros((rows.shape[0] + 1, rows.shape[1]), dtype=rows.dtype)  # the grown, zeroed buffer
    out[: rows.shape[0]] = rows
    out[max(rows.shape[0] - 1, 0)] = row  # BUG: writes at len - 1 ("the last index"), not at len
    return out


def append_keys_overwrites_last(K: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The new key lands on the previous last key; the new slot stays zero."""
    return _overwrite_last(K, k)


def append_values_overwrites_last(V: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The same off-by-one on the value side."""
    return _overwrite_last(V, v)


def append_keys_history_through_f16(K: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Each append round-trips the whole history through the f16 storage type: the prefix changes."""
    K, k = np.asarray(K), np.asarray(k)
    if K.ndim != 2 or k.shape != (K.shape[1],):
        raise ValueError(f"cannot append a key of shape {k.shape} to a cache of shape {K.shape}")
    history = K.astype(np.float16).astype(K.dtype)  # BUG: should be K itself, untouched
    return np.concatenate([history, k[None, :].astype(K.dtype, copy=False)], axis=0)


def append_position_one_based(T: int) -> int:
    """Positions counted from 1: the appended token is rotated as if one token later."""
    return _reference_position(T) + 1  # BUG: + 1


def append_rotated_key_shifted_position(K: np.ndarray, k: np.ndarray, rope_theta: float) -> np.ndarray:
    """After a cache shift the position is taken as the last index, T - 1, not the new index T."""
    K, k = np.asarray(K), np.asarray(k)
    if K.ndim != 2 or k.shape != (K.shape[1],):
        raise ValueError(f"cannot append a key of shape {k.shape} to a cache of shape {K.shape}")
    rotated = rope_rotate(k, max(K.shape[0] - 1, 0), rope_theta)  # BUG: position T - 1
    return np.concatenate([K, rotated[None, :].astype(K.dtype, copy=False)], axis=0)


RING_CAPACITY = 8  # a fixed-capacity cache that silently becomes a sliding window


def append_keys_ring_buffer(K: np.ndarray, k: np.ndarray) -> np.ndarray:
    """A ring buffer of 8 slots: once full, the oldest key is dropped to make room."""
    K, k = np.asarray(K), np.asarray(k)
    if K.ndim != 2 or k.shape != (K.shape[1],):
        raise ValueError(f"cannot append a key of shape {k.shape} to a cache of shape {K.shape}")
    kept = K[1:] if K.shape[0] >= RING_CAPACITY else K  # BUG: evicts the oldest token when full
    return np.concatenate([kept, k[None, :].astype(K.dtype, copy=False)], axis=0)


def rope_rotate_f32_angles(x: np.ndarray, pos, rope_theta: float = 10000.0) -> np.ndarray:
    """The cos/sin table is built in float32: large angles lose the precision relative positions need."""
    x = np.asarray(x)
    d = x.shape[-1]
    if d % 2:
        raise ValueError(f"RoPE needs an even head dimension, got {d}")
    if not rope_theta > 0:
        raise ValueError(f"rope_theta must be > 0, got {rope_theta}")
    half = d // 2
    inv_freq = float(rope_theta) ** (-np.arange(half, dtype=np.float64) * 2.0 / d)
    angle = (np.asarray(pos, dtype=np.float64)[..., None] * inv_freq).astype(np.float32)  # BUG: float32 angles
    cos, sin = np.cos(angle).astype(np.float64), np.sin(angle).astype(np.float64)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
