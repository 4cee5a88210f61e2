"""Causal attention with grouped KV heads and RoPE: full, cached decode, paged.

Queries, keys and values of a test case are generated from a ``seed``
(standard normal, float64) so two computations can be compared on the same
data; RoPE base 10000. Keys are rotated to their position when they enter a
cache (as real engines store them), queries when they attend.

The module-level functions are the attention symbols of kv-cache-equivalence-v1.
"""
from __future__ import annotations

import numpy as np

from .rope import rope_rotate

__all__ = [
    "ROPE_THETA",
    "attention_inputs",
    "causal_attention",
    "DecodeCache",
    "PagedKVCache",
    "decode_last",
    "full_attention_last",
    "batched_prefill",
    "serial_prefill",
    "paged_decode_last",
    "page_elements",
    "pages_needed",
]

ROPE_THETA = 10000.0


def _check_heads(n_heads: int, n_kv: int, d_k: int) -> int:
    if min(n_heads, n_kv, d_k) < 1:
        raise ValueError(f"n_heads, n_kv and d_k must be >= 1, got {n_heads}, {n_kv}, {d_k}")
    if n_heads % n_kv:
        raise ValueError(f"n_heads={n_heads} is not a multiple of n_kv={n_kv}")
    return n_heads // n_kv


def attention_inputs(T: int, n_heads: int, n_kv: int, d_k: int, seed: int):
    """``q [T, n_heads, d_k]``, ``k, v [T, n_kv, d_k]`` from ``seed`` (pre-RoPE)."""
    _check_heads(n_heads, n_kv, d_k)
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((T, n_heads, d_k)), rng.standard_normal((T, n_kv, d_k)),
            rng.standard_normal((T, n_kv, d_k)))


def _attend(q_rot: np.ndarray, q_pos: np.ndarray, k_rot: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotated queries ``[Tq, H, d]`` at positions ``q_pos`` over rotated keys ``[Tk, n_kv, d]``
    at positions ``0..Tk-1``, causally masked; output ``[Tq, H * d]``."""
    Tq, H, d = q_rot.shape
    group = H // k_rot.shape[1]
    k_heads = np.repeat(k_rot, group, axis=1)  # query head h reads KV head h // group
    v_heads = np.repeat(v, group, axis=1)
    scores = np.einsum("ihd,jhd->hij", q_rot, k_heads) / np.sqrt(d)
    future = np.arange(k_rot.shape[0])[None, :] > q_pos[:, None]
    scores = np.where(future[None], -np.inf, scores)
    scores -= scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.einsum("hij,jhd->ihd", weights, v_heads).reshape(Tq, H * d)


def causal_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, rope_theta: float = ROPE_THETA) -> np.ndarray:
    """Full-sequence causal attention without a cache: ``[T, H * d]``."""
    positions = np.arange(q.shape[0])
    return _attend(rope_rotate(q, positions[:, None], rope_theta), positions,
                   rope_rotate(k, positions[:, None], rope_theta), v)


class DecodeCache:
    """Contiguous per-layer cache: rotated keys and values, append-only."""

    def __init__(self, n_kv: int, d_k: int, rope_theta: float = ROPE_THETA) -> None:
        self.rope_theta = rope_theta
        self.keys = np.zeros((0, n_kv, d_k))
        self.values = np.zeros((0, n_kv, d_k))

    @property
    def length(self) -> int:
        return self.keys.shape[0]

    def extend(self, k: np.ndarray, v: np.ndarray) -> None:
        """Append tokens ``[n, n_kv, d]``; their positions continue from the current length."""
        positions = self.length + np.arange(k.shape[0])
        self.keys = np.concatenate([self.keys, rope_rotate(k, positions[:, None], self.rope_theta)])
        self.values = np.concatenate([self.values, v])

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        return self.keys, self.values

    def step(self, q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Decode one token: append its K/V, attend over the whole history; ``[H * d]``."""
        pos = self.length
        self.extend(k[None], v[None])
        keys, values = self.history()
        q_rot = rope_rotate(q[None], np.array([[pos]]), self.rope_theta)
        return _attend(q_rot, np.array([pos]), keys, values)[0]


class PagedKVCache(DecodeCache):
    """The same cache held in fixed pages of ``block_size`` tokens (a block table)."""

    def __init__(self, n_kv: int, d_k: int, block_size: int, rope_theta: float = ROPE_THETA) -> None:
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        self.rope_theta, self.n_kv, self.d_k, self.block_size = rope_theta, n_kv, d_k, block_size
        self.key_pages: list[np.ndarray] = []
        self.value_pages: list[np.ndarray] = []
        self._length = 0

    @property
    def length(self) -> int:
        return self._length

    def extend(self, k: np.ndarray, v: np.ndarray) -> None:
        rotated = rope_rotate(k, (self._length + np.arange(k.shape[0]))[:, None], self.rope_theta)
        written = 0
        while written < k.shape[0]:
            slot = self._length % self.block_size
            if slot == 0:  # the last page is full (or there is none): take a new page
                self.key_pages.append(np.zeros((self.block_size, self.n_kv, self.d_k)))
                self.value_pages.append(np.zeros((self.block_size, self.n_kv, self.d_k)))
            take = min(self.block_size - slot, k.shape[0] - written)
            self.key_pages[-1][slot:slot + take] = rotated[written:written + take]
            self.value_pages[-1][slot:slot + take] = v[written:written + take]
            written += take
            self._length += take

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """Gather the pages back into token order."""
        if not self.key_pages:
            return np.zeros((0, self.n_kv, self.d_k)), np.zeros((0, self.n_kv, self.d_k))
        return (np.concatenate(self.key_pages)[:self._length], np.concatenate(self.value_pages)[:self._length])


def _decode_last_with(cache: DecodeCache, T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    q, k, v = attention_inputs(T, n_heads, n_kv, d_k, seed)
    cache.extend(k[:-1], v[:-1])  # prefill: tokens 0..T-2
    return cache.step(q[-1], k[-1], v[-1])


def decode_last(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    return _decode_last_with(DecodeCache(n_kv, d_k), T, n_heads, n_kv, d_k, seed)


def full_attention_last(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    return causal_attention(*attention_inputs(T, n_heads, n_kv, d_k, seed))[-1]


def batched_prefill(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    """All prompt tokens in one pass through the cache: fill it, then attend causally."""
    q, k, v = attention_inputs(T, n_heads, n_kv, d_k, seed)
    cache = DecodeCache(n_kv, d_k)
    cache.extend(k, v)
    positions = np.arange(T)
    keys, values = cache.history()
    return _attend(rope_rotate(q, positions[:, None], ROPE_THETA), positions, keys, values)


def serial_prefill(T: int, n_heads: int, n_kv: int, d_k: int, seed: int) -> np.ndarray:
    """The prompt one token at a time, each a decode step."""
    q, k, v = attention_inputs(T, n_heads, n_kv, d_k, seed)
    cache = DecodeCache(n_kv, d_k)
    return np.stack([cache.step(q[t], k[t], v[t]) for t in range(T)])


def paged_decode_last(T: int, n_heads: int, n_kv: int, d_k: int, block_size: int, seed: int) -> np.ndarray:
    return _decode_last_with(PagedKVCache(n_kv, d_k, block_size), T, n_heads, n_kv, d_k, seed)


def page_elements(block_size: int, n_kv: int, d_k: int) -> int:
    """Elements of one page as the paged cache really allocates it."""
    if n_kv < 1 or d_k < 1:
        raise ValueError(f"n_kv and d_k must be >= 1, got {n_kv}, {d_k}")
    cache = PagedKVCache(n_kv, d_k, block_size)
    cache.extend(np.zeros((1, n_kv, d_k)), np.zeros((1, n_kv, d_k)))
    return int(cache.key_pages[0].size)


def pages_needed(T: int, block_size: int) -> int:
    """Pages the paged cache holds after ``T`` tokens."""
    if T < 0:
        raise ValueError(f"T must be >= 0, got {T}")
    cache = PagedKVCache(1, 2, block_size)
    cache.extend(np.zeros((T, 1, 2)), np.zeros((T, 1, 2)))
    return len(cache.key_pages)
