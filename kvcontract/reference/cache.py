"""A batched KV cache with ragged sequence lengths (seed 001: KV cache semantics).

Lifecycle: ``prefill`` a sequence with its whole prompt (every layer at once),
then ``decode`` steps that append exactly one token to *every* active
sequence, until ``finish``. History is append-only and per layer; every
misuse raises :class:`CacheOrderError` *before* anything changes, so a
rejected call leaves the cache as it was.

The module-level functions are the symbols of kv-cache-semantics-v1.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .sizing import bytes_per_element

__all__ = [
    "CacheOrderError",
    "BatchedKVCache",
    "MISUSES",
    "cache_new",
    "cache_prefill",
    "cache_decode",
    "cache_finish",
    "cache_read",
    "cache_length",
    "cache_active",
    "cache_footprint",
    "footprint_bytes",
    "lengths_after",
    "footprint_after",
    "misuse_rejected",
]

# Logical storage: numpy's type where one exists, float32 for the others (the
# byte accounting always uses the declared dtype's size).
_STORAGE = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


class CacheOrderError(ValueError):
    """A call that breaks the cache's lifecycle or shape rules."""


class BatchedKVCache:
    def __init__(self, n_layers: int, n_kv: int, d_k: int, dtype: str = "f16") -> None:
        for name, value in (("n_layers", n_layers), ("n_kv", n_kv), ("d_k", d_k)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        self.n_layers, self.n_kv, self.d_k, self.dtype = n_layers, n_kv, d_k, dtype
        self.token_bytes = 2 * n_kv * d_k * bytes_per_element(dtype)  # K+V, one layer
        self._storage = _STORAGE.get(dtype, np.float32)
        # seq -> per-layer list of [n_kv, d_k] rows; rows are only ever appended.
        self._keys: dict[int, list[list[np.ndarray]]] = {}
        self._values: dict[int, list[list[np.ndarray]]] = {}
        self._finished: set[int] = set()

    # ---- queries ------------------------------------------------------------------------
    def active(self) -> list[int]:
        return sorted(seq for seq in self._keys if seq not in self._finished)

    def sequences(self) -> list[int]:
        return sorted(self._keys)

    def length(self, seq: int) -> int:
        self._require_known(seq)
        return len(self._keys[seq][0])

    def read(self, seq: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Copies of one layer's K and V history, ``[len, n_kv, d_k]``, oldest first."""
        self._require_known(seq)
        if not 0 <= layer < self.n_layers:
            raise CacheOrderError(f"layer {layer} out of range for a {self.n_layers}-layer cache")
        return np.stack(self._keys[seq][layer]), np.stack(self._values[seq][layer])

    def footprint(self) -> int:
        return sum(self.n_layers * len(layers[0]) * self.token_bytes for layers in self._keys.values())

    # ---- lifecycle ----------------------------------------------------------------------
    def prefill(self, seq: int, keys: np.ndarray, values: np.ndarray) -> None:
        if seq in self._keys:
            state = "finished" if seq in self._finished else "already prefilled"
            raise CacheOrderError(f"cannot prefill sequence {seq}: it is {state}")
        keys, values = self._as_tokens(keys, "keys", 4), self._as_tokens(values, "values", 4)
        if keys.shape != values.shape:
            raise CacheOrderError(f"prefill: keys {keys.shape} and values {values.shape} differ")
        if keys.shape[1] < 1:
            raise CacheOrderError(f"prefill of sequence {seq}: the prompt is empty")
        self._keys[seq] = [list(keys[layer]) for layer in range(self.n_layers)]
        self._values[seq] = [list(values[layer]) for layer in range(self.n_layers)]

    def decode(self, keys: Mapping[int, np.ndarray], values: Mapping[int, np.ndarray]) -> None:
        """One step: one token, all layers, for exactly the active sequences."""
        if not self._keys:
            raise CacheOrderError("decode before prefill: no sequence has been prefilled")
        active = set(self.active())
        if not active:
            raise CacheOrderError("decode with no active sequence: every sequence is finished")
        if set(keys) != set(values):
            raise CacheOrderError(f"decode: keys for {sorted(keys)} but values for {sorted(values)}")
        for seq in keys:
            if seq in self._finished:
                raise CacheOrderError(f"decode of finished sequence {seq}")
            if seq not in self._keys:
                raise CacheOrderError(f"decode of sequence {seq}, which was never prefilled")
        missing = active - set(keys)
        if missing:
            raise CacheOrderError(f"decode must append exactly one token to every active sequence; "
                                  f"missing {sorted(missing)}")
        step = {seq: (self._as_tokens(keys[seq], f"keys[{seq}]", 3),
                      self._as_tokens(values[seq], f"values[{seq}]", 3)) for seq in keys}
        for seq, (k, v) in step.items():  # all checks passed: now mutate
            for layer in range(self.n_layers):
                self._keys[seq][layer].append(k[layer])
                self._values[seq][layer].append(v[layer])

    def finish(self, seq: int) -> None:
        self._require_known(seq)
        if seq in self._finished:
            raise CacheOrderError(f"sequence {seq} is already finished")
        self._finished.add(seq)

    # ---- helpers ------------------------------------------------------------------------
    def _require_known(self, seq: int) -> None:
        if seq not in self._keys:
            raise CacheOrderError(f"sequence {seq} was never prefilled")

    def _as_tokens(self, array: np.ndarray, what: str, ndim: int) -> np.ndarray:
        """Check ``[L, T, n_kv, d_k]`` (ndim 4) or ``[L, n_kv, d_k]`` (ndim 3); a stored copy."""
        array = np.asarray(array)
        shape = array.shape
        tail_ok = len(shape) == ndim and shape[0] == self.n_layers and shape[-2:] == (self.n_kv, self.d_k)
        if not tail_ok:
            expect = "[L, T, n_kv, d_k]" if ndim == 4 else "[L, n_kv, d_k] (one token)"
            raise CacheOrderError(f"{what} has shape {shape}, expected {expect} with L={self.n_layers}, "
                                  f"n_kv={self.n_kv}, d_k={self.d_k}")
        return np.array(array, dtype=self._storage, copy=True)


# ---- lifecycle symbols ------------------------------------------------------------------

def cache_new(n_layers: int, n_kv: int, d_k: int, dtype: str) -> BatchedKVCache:
    return BatchedKVCache(n_layers, n_kv, d_k, dtype)


def cache_prefill(cache: BatchedKVCache, seq: int, keys: np.ndarray, values: np.ndarray) -> None:
    cache.prefill(seq, keys, values)


def cache_decode(cache: BatchedKVCache, keys: Mapping[int, np.ndarray], values: Mapping[int, np.ndarray]) -> None:
    cache.decode(keys, values)


def cache_finish(cache: BatchedKVCache, seq: int) -> None:
    cache.finish(seq)


def cache_read(cache: BatchedKVCache, seq: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
    return cache.read(seq, layer)


def cache_length(cache: BatchedKVCache, seq: int) -> int:
    return cache.length(seq)


def cache_active(cache: BatchedKVCache) -> list[int]:
    return cache.active()


def cache_footprint(cache: BatchedKVCache) -> int:
    return cache.footprint()


# ---- scalar symbols ---------------------------------------------------------------------

def footprint_bytes(lengths: Sequence[int], L: int, n_kv: int, d_k: int, dtype: str) -> int:
    """Σ_seq L × len × 2 × n_kv × d_k × sizeof(dtype)."""
    if any(length < 0 for length in lengths):
        raise ValueError(f"lengths must be >= 0, got {list(lengths)}")
    return sum(lengths) * L * 2 * n_kv * d_k * bytes_per_element(dtype)


def _run(prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int],
         L: int = 1, n_kv: int = 1, d_k: int = 2, dtype: str = "f32") -> BatchedKVCache:
    if steps < 0 or any(f < 0 for f in finish_after):
        raise ValueError("steps and finish_after must be >= 0")
    cache = BatchedKVCache(L, n_kv, d_k, dtype)
    for seq, length in enumerate(prompt_lens):
        tokens = np.full((L, length, n_kv, d_k), float(seq))
        cache.prefill(seq, tokens, tokens)
    for step in range(steps):
        for seq in cache.active():
            if seq < len(finish_after) and finish_after[seq] <= step:
                cache.finish(seq)
        active = cache.active()
        if not active:
            break  # nothing left to decode
        token = np.full((L, n_kv, d_k), float(step))
        cache.decode({seq: token for seq in active}, {seq: token for seq in active})
    return cache


def lengths_after(prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int]) -> list[int]:
    """Final lengths of a ragged run on the real cache (see docs/bindings.md)."""
    cache = _run(prompt_lens, steps, finish_after)
    return [cache.length(seq) for seq in cache.sequences()]


def footprint_after(prompt_lens: Sequence[int], steps: int, finish_after: Sequence[int],
                    L: int, n_kv: int, d_k: int, dtype: str) -> int:
    return _run(prompt_lens, steps, finish_after, L, n_kv, d_k, dtype).footprint()


MISUSES = ("decode_before_prefill", "decode_finished", "decode_missing_sequence", "decode_extra_token",
           "double_prefill", "empty_prompt", "read_bad_layer")


def _snapshot(cache: BatchedKVCache) -> list:
    state = [cache.active(), cache.footprint()]
    for seq in cache.sequences():
        for layer in range(cache.n_layers):
            k, v = cache.read(seq, layer)
            state.append((seq, layer, k.tobytes(), v.tobytes()))
    return state


def misuse_rejected(misuse: str) -> bool:
    """Perform one misuse on a small live cache: rejected with CacheOrderError, nothing changed?"""
    if misuse not in MISUSES:
        raise ValueError(f"unknown misuse {misuse!r}; known: {', '.join(MISUSES)}")
    L, n_kv, d_k = 2, 1, 2
    cache = BatchedKVCache(L, n_kv, d_k, "f32")
    token = np.ones((L, n_kv, d_k))
    if misuse != "decode_before_prefill":
        cache.prefill(0, np.zeros((L, 3, n_kv, d_k)), np.zeros((L, 3, n_kv, d_k)))
        cache.prefill(1, np.ones((L, 2, n_kv, d_k)), np.ones((L, 2, n_kv, d_k)))
        cache.finish(1)
    actions = {
        "decode_before_prefill": lambda: cache.decode({0: token}, {0: token}),
        "decode_finished": lambda: cache.decode({0: token, 1: token}, {0: token, 1: token}),
        # sequence 2 (prefilled below) is active but gets no token
        "decode_missing_sequence": lambda: cache.decode({0: token}, {0: token}),
        "decode_extra_token": lambda: cache.decode({0: np.ones((L, 2, n_kv, d_k))}, {0: np.ones((L, 2, n_kv, d_k))}),
        "double_prefill": lambda: cache.prefill(0, np.ones((L, 1, n_kv, d_k)), np.ones((L, 1, n_kv, d_k))),
        "empty_prompt": lambda: cache.prefill(5, np.ones((L, 0, n_kv, d_k)), np.ones((L, 0, n_kv, d_k))),
        "read_bad_layer": lambda: cache.read(0, L),
    }
    if misuse == "decode_missing_sequence":
        cache.prefill(2, np.ones((L, 1, n_kv, d_k)), np.ones((L, 1, n_kv, d_k)))
    action = actions[misuse]
    before = _snapshot(cache)
    try:
        action()
    except CacheOrderError:
        return _snapshot(cache) == before
    return False
