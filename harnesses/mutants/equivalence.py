"""Bug zoo for kv-cache-equivalence-v1: cached, paged and fused paths that drift from the reference.

Each mutant is the reference (``kvcontract.reference.attention`` / ``quant``)
with one line changed (``# BUG:``), in a subclass method or a symbol function.
"""
from __future__ import annotations

import numpy as np

from kvcontract.reference.attention import (
    ROPE_THETA,
    DecodeCache,
    PagedKVCache,
    _attend,
    _decode_last_with,
    attention_inputs,
)
from kvcontract.reference.quant import quantize
from kvcontract.reference.rope import rope_rotate

__all__ = [
    "decode_last_position_after_append",
    "decode_last_kv_swapped",
    "batched_prefill_mask_off_by_one",
    "pages_needed_floor",
    "page_elements_padded_head_dim",
    "fused_q4_matvec_scale_pow2",
    "paged_decode_last_two_page_table",
]


class _LatePositionCache(DecodeCache):
    """Reads the query position after appending the token: one past where its key was rotated."""

    def step(self, q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        self.extend(k[None], v[None])
        pos = self.length  # BUG: taken after the append (should be the length before it)
        keys, values = self.history()
        q_rot = rope_rotate(q[None], np.array([[pos]]), self.rope_theta)
        return _attend(q_rot, np.array([pos]), keys, values)[0]


def decode_last_position_after_append(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    """Decode with the query rotated to position T instead of T - 1 (the cache-shift bug class)."""
    return _decode_last_with(_LatePositionCache(n_kv, d_k), T, n_heads, n_kv, d_k, seed)


class _SwappedCache(DecodeCache):
    """``extend`` stores the value in the key slot and the key in the value slot."""

    def extend(self, k: np.ndarray, v: np.ndarray) -> None:
        k, v = v, k  # BUG: arguments swapped at the call boundary
        positions = self.length + np.arange(k.shape[0])
        self.keys = np.concatenate([self.keys, rope_rotate(k, positions[:, None], self.rope_theta)])
        self.values = np.concatenate([self.values, v])


def decode_last_kv_swapped(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    """Decode over a cache whose K and V are swapped."""
    return _decode_last_with(_SwappedCache(n_kv, d_k), T, n_heads, n_kv, d_k, seed)


def batched_prefill_mask_off_by_one(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    """Causal mask built one diagonal too high: each prompt token also sees the next one."""
    q, k, v = attention_inputs(T, n_heads, n_kv, d_k, seed)
    cache = DecodeCache(n_kv, d_k)
    cache.extend(k, v)
    positions = np.arange(T)
    keys, values = cache.history()
    return _attend(rope_rotate(q, positions[:, None], ROPE_THETA), positions + 1, keys, values)  # BUG: + 1


def pages_needed_floor(T: int, block_size: int) -> int:
    """Block-table planner that sizes with floor division: the partial last page is forgotten."""
    if T < 0:
        raise ValueError(f"T must be >= 0, got {T}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    return T // block_size  # BUG: should be ceil_div(T, block_size)


class _PaddedPageCache(PagedKVCache):
    """Pages padded to 8 lanes of head_dim for aligned vector loads: more elements than the spec."""

    def extend(self, k: np.ndarray, v: np.ndarray) -> None:
        rotated = rope_rotate(k, (self._length + np.arange(k.shape[0]))[:, None], self.rope_theta)
        lanes = -(-self.d_k // 8) * 8  # BUG: the allocator rounds d_k up to a multiple of 8
        written = 0
        while written < k.shape[0]:
            slot = self._length % self.block_size
            if slot == 0:
                self.key_pages.append(np.zeros((self.block_size, self.n_kv, lanes)))
                self.value_pages.append(np.zeros((self.block_size, self.n_kv, lanes)))
            take = min(self.block_size - slot, k.shape[0] - written)
            self.key_pages[-1][slot:slot + take, :, :self.d_k] = rotated[written:written + take]
            self.value_pages[-1][slot:slot + take, :, :self.d_k] = v[written:written + take]
            written += take
            self._length += take


def page_elements_padded_head_dim(block_size: int, n_kv: int, d_k: int) -> int:
    """Elements of one page as the padded allocator allocates it."""
    if n_kv < 1 or d_k < 1:
        raise ValueError(f"n_kv and d_k must be >= 1, got {n_kv}, {d_k}")
    cache = _PaddedPageCache(n_kv, d_k, block_size)
    cache.extend(np.zeros((1, n_kv, d_k)), np.zeros((1, n_kv, d_k)))
    return int(cache.key_pages[0].size)


def fused_q4_matvec_scale_pow2(W: np.ndarray, x: np.ndarray, group_size: int) -> np.ndarray:
    """The fused kernel recomputes each group's scale as (max - min) / 2^4 instead of reading the stored one."""
    W, x = np.asarray(W, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if W.ndim != 2 or x.shape != (W.shape[1],):
        raise ValueError(f"fused_q4_matvec: W{W.shape} @ x{x.shape} is not a matrix-vector product")
    q = quantize(W, 4, group_size)
    out = np.zeros(W.shape[0])
    for g, start in enumerate(range(0, W.shape[1], group_size)):
        xg = x[start:start + group_size]
        codes = q.codes[:, start:start + group_size].astype(np.float64)
        group = W[:, start:start + group_size]
        scale = (group.max(axis=1) - group.min(axis=1)) / 2 ** 4  # BUG: / 2^b instead of / (2^b - 1)
        out += q.zero[:, g].astype(np.float64) * xg.sum() + scale * (codes @ xg)
    return out


BLOCK_TABLE_ENTRIES = 2  # a fixed-size block table


class _TwoPageTableCache(PagedKVCache):
    """A block table of two entries: older pages fall off it, their tokens silently leave attention."""

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        keys, values = super().history()
        dropped = max(len(self.key_pages) - BLOCK_TABLE_ENTRIES, 0) * self.block_size  # BUG: pages evicted
        return keys[dropped:], values[dropped:]


def paged_decode_last_two_page_table(T: int, n_heads: int, n_kv: int, d_k: int, block_size: int,
                                     seed: int) -> np.ndarray:
    """Paged decode whose block table keeps only the two newest pages (the oldest tokens are dropped)."""
    return _decode_last_with(_TwoPageTableCache(n_kv, d_k, block_size), T, n_heads, n_kv, d_k, seed)
