"""Contiguous KV cache allocation (seed 002, FT-021), in numpy instead of CUDA.

One zero-initialised byte arena laid out ``[layer0 K][layer0 V][layer1 K]...``;
per-layer key/value views with a bounds-checked layer index and constant
spacing; a MemoryTracker with purpose tags that balances on allocate/release.
The module-level functions are the symbols of kv-cache-allocation-v1.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .sizing import bytes_per_element

__all__ = [
    "KVCacheConfig",
    "KVCache",
    "MemoryTracker",
    "NUMPY_DTYPES",
    "KV_CACHE_PURPOSE",
    "cache_size",
    "config_rejected",
    "arena_bytes",
    "arena_is_zero",
    "layer_key_offset",
    "layer_value_offset",
    "layer_view_bytes",
    "layer_index_ok",
    "key_write_footprint",
    "tracker_balance_after",
    "tracker_purpose_total",
    "tracked_cache_bytes",
    "tracked_after_release",
]

# Element types of the views. bf16 and fp8 have no numpy type: their views are
# raw unsigned integers of the right width (the bytes are what we check).
NUMPY_DTYPES = {"f16": np.float16, "bf16": np.uint16, "f32": np.float32, "f64": np.float64,
                "int8": np.int8, "fp8": np.uint8}

KV_CACHE_PURPOSE = "kv_cache"


@dataclass(frozen=True)
class KVCacheConfig:
    num_layers: int
    max_context: int
    num_kv_heads: int
    head_dim: int
    dtype: str = "f16"

    def validate(self) -> None:
        """``ValueError`` naming the first field that is not a positive integer."""
        for field in ("num_layers", "max_context", "num_kv_heads", "head_dim"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
                raise ValueError(f"KVCacheConfig.{field} must be an int, got {value!r}")
            if value < 1:
                raise ValueError(f"KVCacheConfig.{field} must be >= 1, got {value}")
        bytes_per_element(self.dtype)

    @property
    def block_bytes(self) -> int:
        """Bytes of one layer's K (or V) block."""
        return self.max_context * self.num_kv_heads * self.head_dim * bytes_per_element(self.dtype)

    @property
    def layer_bytes(self) -> int:
        return 2 * self.block_bytes

    def size_bytes(self) -> int:
        self.validate()
        return self.num_layers * self.layer_bytes


class MemoryTracker:
    """Bytes in use per purpose tag; every allocation must be released exactly once."""

    def __init__(self) -> None:
        self._live: dict[int, tuple[str, int]] = {}
        self._next_handle = 0

    def allocate(self, size: int, purpose: str) -> int:
        if size < 1:
            raise ValueError(f"allocation size must be >= 1, got {size}")
        handle = self._next_handle
        self._next_handle += 1
        self._live[handle] = (purpose, size)
        return handle

    def release(self, handle: int) -> None:
        if handle not in self._live:
            raise KeyError(f"allocation {handle} is not live (never allocated or already released)")
        del self._live[handle]

    def usage(self, purpose: str | None = None) -> int:
        return sum(size for tag, size in self._live.values() if purpose is None or tag == purpose)


class KVCache:
    """A zero-initialised arena with per-layer K/V views (``release`` frees it)."""

    def __init__(self, config: KVCacheConfig, tracker: MemoryTracker | None = None) -> None:
        self.config = config
        size = config.size_bytes()  # validates
        self._arena: np.ndarray | None = np.zeros(size, dtype=np.uint8)
        self._tracker = tracker
        self._handle = tracker.allocate(size, KV_CACHE_PURPOSE) if tracker is not None else None

    @property
    def arena(self) -> np.ndarray:
        if self._arena is None:
            raise RuntimeError("KV cache was released")
        return self._arena

    def size_bytes(self) -> int:
        return self.arena.nbytes

    def _check_layer(self, layer: int) -> None:
        if not 0 <= layer < self.config.num_layers:
            raise IndexError(f"layer {layer} out of range for a {self.config.num_layers}-layer cache")

    def key_offset(self, layer: int) -> int:
        self._check_layer(layer)
        return layer * self.config.layer_bytes

    def value_offset(self, layer: int) -> int:
        return self.key_offset(layer) + self.config.block_bytes

    def _view(self, offset: int) -> np.ndarray:
        c = self.config
        raw = self.arena[offset: offset + c.block_bytes]
        return raw.view(NUMPY_DTYPES[c.dtype]).reshape(c.max_context, c.num_kv_heads, c.head_dim)

    def keys(self, layer: int) -> np.ndarray:
        """Layer ``layer``'s keys, ``[max_context, n_kv, head_dim]``, a view into the arena."""
        return self._view(self.key_offset(layer))

    def values(self, layer: int) -> np.ndarray:
        return self._view(self.value_offset(layer))

    def release(self) -> None:
        if self._tracker is not None and self._handle is not None:
            self._tracker.release(self._handle)
            self._handle = None
        self._arena = None


# ---- symbols: plain functions of plain values --------------------------------------------

def _config(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> KVCacheConfig:
    return KVCacheConfig(L, T, n_kv, d_k, dtype)


def cache_size(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    return _config(L, T, n_kv, d_k, dtype).size_bytes()


def config_rejected(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> bool:
    """True iff :func:`cache_size` raises a ValueError that names the bad field."""
    try:
        cache_size(L, T, n_kv, d_k, dtype)
    except ValueError as error:
        fields = {"num_layers": L, "max_context": T, "num_kv_heads": n_kv, "head_dim": d_k}
        message = str(error)
        return any(name in message for name, value in fields.items() if value < 1) or dtype in message
    return False


def arena_bytes(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    return KVCache(_config(L, T, n_kv, d_k, dtype)).size_bytes()


def arena_is_zero(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> bool:
    return not KVCache(_config(L, T, n_kv, d_k, dtype)).arena.any()


def layer_key_offset(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    cache = KVCache(_config(L, T, n_kv, d_k, dtype))
    return _byte_offset(cache, cache.keys(layer))


def layer_value_offset(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    cache = KVCache(_config(L, T, n_kv, d_k, dtype))
    return _byte_offset(cache, cache.values(layer))


def _byte_offset(cache: KVCache, view: np.ndarray) -> int:
    """Where ``view`` really starts in the arena (measured, not recomputed)."""
    return view.__array_interface__["data"][0] - cache.arena.__array_interface__["data"][0]


def layer_view_bytes(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    return KVCache(_config(L, T, n_kv, d_k, dtype)).keys(layer).nbytes


def layer_index_ok(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> bool:
    cache = KVCache(_config(L, T, n_kv, d_k, dtype))
    try:
        cache.keys(layer)
        cache.values(layer)
    except IndexError:
        return False
    return True


def key_write_footprint(L: int, T: int, n_kv: int, d_k: int, dtype: str, layer: int) -> int:
    """Arena bytes made non-zero by setting every byte of one layer's key view."""
    cache = KVCache(_config(L, T, n_kv, d_k, dtype))
    cache.keys(layer).view(np.uint8)[...] = 0xFF
    return int(np.count_nonzero(cache.arena))


def tracker_balance_after(sizes: Sequence[int], release: Sequence[bool]) -> int:
    tracker = MemoryTracker()
    handles = [tracker.allocate(size, KV_CACHE_PURPOSE) for size in sizes]
    for index, handle in enumerate(handles):
        if index < len(release) and release[index]:
            tracker.release(handle)
    return tracker.usage()


def tracker_purpose_total(sizes: Sequence[int], tags: Sequence[str], tag: str) -> int:
    tracker = MemoryTracker()
    for index, size in enumerate(sizes):
        tracker.allocate(size, tags[index] if index < len(tags) else KV_CACHE_PURPOSE)
    return tracker.usage(tag)


def tracked_cache_bytes(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    tracker = MemoryTracker()
    KVCache(_config(L, T, n_kv, d_k, dtype), tracker)
    return tracker.usage(KV_CACHE_PURPOSE)


def tracked_after_release(L: int, T: int, n_kv: int, d_k: int, dtype: str) -> int:
    tracker = MemoryTracker()
    KVCache(_config(L, T, n_kv, d_k, dtype), tracker).release()
    return tracker.usage(KV_CACHE_PURPOSE)
