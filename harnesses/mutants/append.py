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
