"""Bug zoo for kv-cache-allocation-v1: arena, layer views and memory tracking.

Each mutant is the reference (``kvcontract.reference.allocation``) with one
line changed (``# BUG:``): either a symbol function directly, or one method of
a subclass of ``KVCache`` / ``MemoryTracker`` that the symbol then uses, the
way the bug would sit inside a real engine's cache class.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from kvcontract.reference.sizing import bytes_per_element
from kvcontract.reference.allocation import (
    KV_CACHE_PURPOSE,
    KVCache,
    KVCacheConfig,
    MemoryTracker,
    _byte_offset,
)

__all__ = [
    "cache_size_one_block_per_layer",
    "cache_size_accepts_zero",
    "config_rejected_accepts_zero",
    "key_write_footprint_memset_layer",
    "arena_is_zero_recycled",
    "layer_key_offset_stride_without_v",
    "layer_value_offset_stride_without_v",
    "layer_index_ok_negative_wraps",
    "tracker_balance_after_no_release",
    "tracked_after_release_no_release",
    "tracker_purpose_total_ignores_tag",
]


def _config(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> KVCacheConfig:
    return KVCacheConfig(L, T, n_kv, d_k, dtype)


def cache_size_one_block_per_layer(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Sizes one block per layer: the V half of the arena is never accounted for."""
    config = _config(L, T, n_kv, d_k, dtype)
    config.validate()
    return config.num_layers * config.block_bytes  # BUG: block_bytes instead of layer_bytes (2 blocks)


class _ZeroTolerantConfig(KVCacheConfig):
    """Validation written as ``value < 0``: a zero-layer or zero-context cache is "valid" (size 0)."""

    def validate(self) -> None:
        for field in ("num_layers", "max_context", "num_kv_heads", "head_dim"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"KVCacheConfig.{field} must be an int, got {value!r}")
            if value < 0:  # BUG: should reject value < 1
                raise ValueError(f"KVCacheConfig.{field} must be >= 0, got {value}")
        bytes_per_element(self.dtype)


def cache_size_accepts_zero(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    """``calculate_size`` that lets a zero field through and returns 0 bytes."""
    return _ZeroTolerantConfig(L, T, n_kv, d_k, dtype).size_bytes()


def config_rejected_accepts_zero(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> bool:
    """The reference ``config_rejected`` over the zero-tolerant validation."""
    try:
        cache_size_accepts_zero(L, T, n_kv, d_k, dtype)
    except ValueError as error:
        fields = {"num_layers": L, "max_context": T, "num_kv_heads": n_kv, "head_dim": d_k}
        return any(name in str(error) for name, value in fields.items() if value < 1) or dtype in str(error)
    return False


def key_write_footprint_memset_layer(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    """Fills a layer's keys with a memset of layer_size bytes: the V block of the layer is overwritten too."""
    cache = KVCache(_config(L, T, n_kv, d_k, dtype))
    offset = cache.key_offset(layer)
    cache.arena[offset: offset + cache.config.layer_bytes] = 0xFF  # BUG: layer_bytes, not block_bytes
    return int(np.count_nonzero(cache.arena))


# The pool a real allocator hands back: the previous request's bytes, never cleared.
_RECYCLED_BYTE = 0xA5


class _RecycledArenaCache(KVCache):
    """The arena comes from a free list without a memset (cudaMalloc without cudaMemset)."""

    def __init__(self, config: KVCacheConfig, tracker: MemoryTracker | None = None) -> None:
        super().__init__(config, tracker)
        self._arena = np.full(config.size_bytes(), _RECYCLED_BYTE, dtype=np.uint8)  # BUG: not zeroed


def arena_is_zero_recycled(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> bool:
    """A fresh arena that still holds the previous owner's bytes."""
    return not _RecycledArenaCache(_config(L, T, n_kv, d_k, dtype)).arena.any()


class _ShortStrideCache(KVCache):
    """Layer stride of one block: layer i's K view starts on layer i-1's V view."""

    def key_offset(self, layer: int) -> int:
        self._check_layer(layer)
        return layer * self.config.block_bytes  # BUG: stride forgets the V block (should be layer_bytes)


def layer_key_offset_stride_without_v(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    """Byte offset of the K view of ``layer`` under the wrong stride."""
    cache = _ShortStrideCache(_config(L, T, n_kv, d_k, dtype))
    return _byte_offset(cache, cache.keys(layer))


def layer_value_offset_stride_without_v(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    """Byte offset of the V view of ``layer`` under the wrong stride (it is layer + 1's K view)."""
    cache = _ShortStrideCache(_config(L, T, n_kv, d_k, dtype))
    return _byte_offset(cache, cache.values(layer))


class _WrappingIndexCache(KVCache):
    """Negative layer indices wrap like Python lists instead of being rejected."""

    def _check_layer(self, layer: int) -> None:
        if not -self.config.num_layers <= layer < self.config.num_layers:  # BUG: negatives accepted
            raise IndexError(f"layer {layer} out of range for a {self.config.num_layers}-layer cache")

    def key_offset(self, layer: int) -> int:
        self._check_layer(layer)
        return (layer % self.config.num_layers) * self.config.layer_bytes


def layer_index_ok_negative_wraps(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> bool:
    """``layer = -1`` silently returns the last layer's views."""
    cache = _WrappingIndexCache(_config(L, T, n_kv, d_k, dtype))
    try:
        cache.keys(layer)
        cache.values(layer)
    except IndexError:
        return False
    return True


class _LeakyTracker(MemoryTracker):
    """``release`` validates the handle and returns without forgetting it."""

    def release(self, handle: int) -> None:
        if handle not in self._live:
            raise KeyError(f"allocation {handle} is not live (never allocated or already released)")
        self._live.get(handle)  # BUG: looked up, never deleted: usage never goes down


def tracker_balance_after_no_release(sizes: Sequence[int], release: Sequence[bool]) -> int:
    """Bytes still in use per a tracker that never releases."""
    tracker = _LeakyTracker()
    handles = [tracker.allocate(size, KV_CACHE_PURPOSE) for size in sizes]
    for index, handle in enumerate(handles):
        if index < len(release) and release[index]:
            tracker.release(handle)
    return tracker.usage()


def tracked_after_release_no_release(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    """A released cache whose tracker still counts it."""
    tracker = _LeakyTracker()
    KVCache(_config(L, T, n_kv, d_k, dtype), tracker).release()
    return tracker.usage(KV_CACHE_PURPOSE)


class _UntaggedTracker(MemoryTracker):
    """``usage(purpose)`` sums every allocation: the purpose filter is lost."""

    def usage(self, purpose: str | None = None) -> int:
        return sum(size for _tag, size in self._live.values())  # BUG: purpose ignored


def tracker_purpose_total_ignores_tag(sizes: Sequence[int], tags: Sequence[str], tag: str) -> int:
    """Bytes "in use under ``tag``", counting every tag."""
    tracker = _UntaggedTracker()
    for index, size in enumerate(sizes):
        tracker.allocate(size, tags[index] if index < len(tags) else KV_CACHE_PURPOSE)
    return tracker.usage(tag)
