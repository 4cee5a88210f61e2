"""Bug zoo for kv-cache-semantics-v1: lifecycle bugs of a batched, ragged KV cache.

Each mutant cache is ``BatchedKVCache`` (``kvcontract.reference.cache``) with
one method changed in one line (``# BUG:``).  A mutant is bound through
``cache_new`` (every lifecycle symbol then drives the buggy cache, exactly as
an engine's own cache class would) and through the scalar symbols
(``lengths_after``, ``footprint_after``, ``misuse_rejected``) that run it.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from kvcontract.reference.cache import MISUSES, BatchedKVCache, CacheOrderError, _snapshot

__all__ = [
    "OverwritingCache", "cache_new_overwrites_last", "lengths_after_overwrites_last",
    "FinishedStillActiveCache", "cache_new_finished_extended", "lengths_after_finished_extended",
    "SwappedReadCache", "cache_new_kv_swapped",
    "EvictingCache", "cache_new_drops_oldest", "lengths_after_drops_oldest",
    "ActiveOnlyFootprintCache", "cache_new_footprint_active_only", "footprint_after_active_only",
    "FinishFreesDecodeCache", "cache_new_finish_frees_decode", "lengths_after_finish_frees_decode",
    "misuse_rejected_decode_finished_allowed", "footprint_bytes_page_rounded",
    "SharedReadCache", "cache_new_shared_reads",
]


class OverwritingCache(BatchedKVCache):
    """Decode writes the new token over the last slot instead of appending it (``cache[len - 1] = kv``)."""

    def decode(self, keys: Mapping[int, np.ndarray], values: Mapping[int, np.ndarray]) -> None:
        super().decode(keys, values)  # validates and appends; the bug is where the token lands
        for seq in keys:
            for layer in range(self.n_layers):
                k, v = self._keys[seq][layer].pop(), self._values[seq][layer].pop()
                self._keys[seq][layer][-1], self._values[seq][layer][-1] = k, v  # BUG: slot len-1, not len


class FinishedStillActiveCache(BatchedKVCache):
    """``finish`` only checks the sequence exists: it stays active and decode keeps extending it."""

    def finish(self, seq: int) -> None:
        self._require_known(seq)  # BUG: `self._finished.add(seq)` missing


class SwappedReadCache(BatchedKVCache):
    """``read`` returns (V, K): the two halves of the cache swapped at the API boundary."""

    def read(self, seq: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
        keys, values = super().read(seq, layer)
        return values, keys  # BUG: swapped


EVICT_AFTER_TOKENS = 4  # a sliding window the engine applies silently


class EvictingCache(BatchedKVCache):
    """A sliding window nobody asked for: past 4 tokens the oldest token is dropped on every append."""

    def decode(self, keys: Mapping[int, np.ndarray], values: Mapping[int, np.ndarray]) -> None:
        super().decode(keys, values)
        for seq in keys:
            for layer in range(self.n_layers):
                if len(self._keys[seq][layer]) > EVICT_AFTER_TOKENS:  # BUG: evicts the oldest token
                    self._keys[seq][layer].pop(0)
                    self._values[seq][layer].pop(0)


class ActiveOnlyFootprintCache(BatchedKVCache):
    """The footprint counts active sequences only; finished ones are still resident."""

    def footprint(self) -> int:
        return sum(self.n_layers * len(self._keys[seq][0]) * self.token_bytes
                   for seq in self.active())  # BUG: active() instead of every stored sequence


class FinishFreesDecodeCache(BatchedKVCache):
    """``finish`` frees the generated tokens and keeps only the prompt (for prefix reuse): history shrinks."""

    def prefill(self, seq: int, keys: np.ndarray, values: np.ndarray) -> None:
        super().prefill(seq, keys, values)
        self.__dict__.setdefault("_prompt", {})[seq] = len(self._keys[seq][0])

    def finish(self, seq: int) -> None:
        super().finish(seq)
        keep = self.__dict__.get("_prompt", {}).get(seq, len(self._keys[seq][0]))
        for layer in range(self.n_layers):  # BUG: decoded entries must stay readable after finish
            del self._keys[seq][layer][keep:], self._values[seq][layer][keep:]


class SharedReadCache(BatchedKVCache):
    """``read`` memoises the stacked history and hands out the same arrays: a caller's in-place edit
    (an in-place RoPE, a scale) silently rewrites what every later read returns."""

    def read(self, seq: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
        memo = self.__dict__.setdefault("_reads", {})
        key = (seq, layer, self.length(seq) if seq in self._keys else -1)
        if key not in memo:
            memo[key] = super().read(seq, layer)
        return memo[key]  # BUG: the memoised arrays themselves, not copies


def _factory(cls: type[BatchedKVCache]) -> Callable[[int, int, int, str], BatchedKVCache]:
    def cache_new(n_layers: int, n_kv: int, d_k: int, dtype: str) -> BatchedKVCache:
        return cls(n_layers, n_kv, d_k, dtype)

    cache_new.__name__ = f"cache_new_{cls.__name__}"
    cache_new.__doc__ = f"``cache_new`` returning a :class:`{cls.__name__}`."
    return cache_new


cache_new_overwrites_last = _factory(OverwritingCache)
cache_new_finished_extended = _factory(FinishedStillActiveCache)
cache_new_kv_swapped = _factory(SwappedReadCache)
cache_new_drops_oldest = _factory(EvictingCache)
cache_new_footprint_active_only = _factory(ActiveOnlyFootprintCache)
cache_new_finish_frees_decode = _factory(FinishFreesDecodeCache)
cache_new_shared_reads = _factory(SharedReadCache)


def _run(cls: type[BatchedKVCache], prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int],
         L: int = 1, n_kv: int = 1, d_k: int = 2, dtype: str = "f32") -> BatchedKVCache:
    """The reference ``_run``, driving ``cls`` instead of the reference cache."""
    if steps < 0 or any(f < 0 for f in finish_after):
        raise ValueError("steps and finish_after must be >= 0")
    cache = cls(L, n_kv, d_k, dtype)
    for seq, length in enumerate(prompt_lens):
        tokens = np.full((L, length, n_kv, d_k), float(seq))
        cache.prefill(seq, tokens, tokens)
    for step in range(steps):
        for seq in cache.active():
            if seq < len(finish_after) and finish_after[seq] <= step:
                cache.finish(seq)
        active = cache.active()
        if not active:
            break
        token = np.full((L, n_kv, d_k), float(step))
        cache.decode({seq: token for seq in active}, {seq: token for seq in active})
    return cache


def _lengths(cls: type[BatchedKVCache]) -> Callable[[Sequence[int], int, Sequence[int]], list[int]]:
    def lengths_after(prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int]) -> list[int]:
        cache = _run(cls, prompt_lens, steps, finish_after)
        return [cache.length(seq) for seq in cache.sequences()]

    lengths_after.__name__ = f"lengths_after_{cls.__name__}"
    lengths_after.__doc__ = f"``lengths_after`` of a ragged run on a :class:`{cls.__name__}`."
    return lengths_after


lengths_after_overwrites_last = _lengths(OverwritingCache)
lengths_after_finished_extended = _lengths(FinishedStillActiveCache)
lengths_after_drops_oldest = _lengths(EvictingCache)
lengths_after_finish_frees_decode = _lengths(FinishFreesDecodeCache)


def footprint_after_active_only(prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int],
                                L: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Footprint of a ragged run, forgetting the finished sequences."""
    return _run(ActiveOnlyFootprintCache, prompt_lens, steps, finish_after, L, n_kv, d_k, dtype).footprint()


PAGE_TOKENS = 16


def footprint_bytes_page_rounded(lengths: Sequence[int], L: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Each sequence is charged whole 16-token pages: the footprint is no longer linear in tokens."""
    if any(length < 0 for length in lengths):
        raise ValueError(f"lengths must be >= 0, got {list(lengths)}")
    from kvcontract.reference.sizing import bytes_per_element

    pages = sum(-(-length // PAGE_TOKENS) for length in lengths)  # BUG: rounds every sequence up to a page
    return pages * PAGE_TOKENS * L * 2 * n_kv * d_k * bytes_per_element(dtype)


class _NoFinishedCheckCache(BatchedKVCache):
    """Decode accepts a token for a finished sequence and appends it."""

    def decode(self, keys: Mapping[int, np.ndarray], values: Mapping[int, np.ndarray]) -> None:
        resumed = {seq for seq in keys if seq in self._finished}
        self._finished -= resumed  # BUG: the `decode of finished sequence` check is missing
        super().decode(keys, values)
        self._finished |= resumed


def misuse_rejected_decode_finished_allowed(misuse: str) -> bool:
    """``misuse_rejected`` on a cache that lets a finished sequence be decoded again."""
    if misuse not in MISUSES:
        raise ValueError(f"unknown misuse {misuse!r}; known: {', '.join(MISUSES)}")
    L, n_kv, d_k = 2, 1, 2
    cache = _NoFinishedCheckCache(L, n_kv, d_k, "f32")
    token = np.ones((L, n_kv, d_k))
    if misuse != "decode_before_prefill":
        cache.prefill(0, np.zeros((L, 3, n_kv, d_k)), np.zeros((L, 3, n_kv, d_k)))
        cache.prefill(1, np.ones((L, 2, n_kv, d_k)), np.ones((L, 2, n_kv, d_k)))
        cache.finish(1)
    actions = {
        "decode_before_prefill": lambda: cache.decode({0: token}, {0: token}),
        "decode_finished": lambda: cache.decode({0: token, 1: token}, {0: token, 1: token}),
        "decode_missing_sequence": lambda: cache.decode({0: token}, {0: token}),
        "decode_extra_token": lambda: cache.decode({0: np.ones((L, 2, n_kv, d_k))}, {0: np.ones((L, 2, n_kv, d_k))}),
        "double_prefill": lambda: cache.prefill(0, np.ones((L, 1, n_kv, d_k)), np.ones((L, 1, n_kv, d_k))),
        "empty_prompt": lambda: cache.prefill(5, np.ones((L, 0, n_kv, d_k)), np.ones((L, 0, n_kv, d_k))),
        "read_bad_layer": lambda: cache.read(0, L),
    }
    if misuse == "decode_missing_sequence":
        cache.prefill(2, np.ones((L, 1, n_kv, d_k)), np.ones((L, 1, n_kv, d_k)))
    before = _snapshot(cache)
    try:
        actions[misuse]()
    except CacheOrderError:
        return _snapshot(cache) == before
    return False
