"""kvcontract.reference.cache and harnesses.cache_machine: lifecycle, ragged batches, misuse."""
import numpy as np
import pytest
from hypothesis import HealthCheck, settings, strategies as st, given

from harnesses.cache_machine import REQUIRED_SYMBOLS, CacheMachine, make_machine
from kvcontract.reference import cache as ref
from kvcontract.reference.cache import (
    MISUSES, BatchedKVCache, CacheOrderError, footprint_after, footprint_bytes, lengths_after, misuse_rejected,
)

MACHINE_SETTINGS = settings(max_examples=60, stateful_step_count=25, deadline=None, database=None,
                            suppress_health_check=list(HealthCheck))


def tokens(L, T, n_kv, d_k, start=0.0):
    return start + np.arange(L * T * n_kv * d_k, dtype=np.float64).reshape(L, T, n_kv, d_k)


def test_prefill_decode_finish_read():
    cache = BatchedKVCache(2, 1, 2, "f32")
    cache.prefill(0, tokens(2, 3, 1, 2), -tokens(2, 3, 1, 2))
    cache.prefill(1, tokens(2, 1, 1, 2, 100), tokens(2, 1, 1, 2, 100))
    step = tokens(2, 1, 1, 2, 50)[:, 0]
    cache.decode({0: step, 1: step}, {0: step, 1: step})
    cache.finish(1)
    cache.decode({0: step + 1}, {0: step + 1})
    assert (cache.length(0), cache.length(1), cache.active()) == (5, 2, [0])
    keys, values = cache.read(0, 1)
    assert np.array_equal(keys[:3], tokens(2, 3, 1, 2)[1]) and np.array_equal(keys[4], step[1] + 1)
    assert np.array_equal(values[:3], -tokens(2, 3, 1, 2)[1])
    assert cache.footprint() == footprint_bytes([5, 2], 2, 1, 2, "f32") == 7 * 2 * 2 * 1 * 2 * 4


@pytest.mark.parametrize("misuse", MISUSES)
def test_every_misuse_is_rejected_without_change(misuse):
    assert misuse_rejected(misuse)


def test_misuse_messages_are_clear():
    cache = BatchedKVCache(1, 1, 2)
    with pytest.raises(CacheOrderError, match="decode before prefill"):
        cache.decode({0: np.zeros((1, 1, 2))}, {0: np.zeros((1, 1, 2))})
    cache.prefill(0, tokens(1, 1, 1, 2), tokens(1, 1, 1, 2))
    cache.prefill(1, tokens(1, 1, 1, 2), tokens(1, 1, 1, 2))
    with pytest.raises(CacheOrderError, match=r"every active sequence; missing \[1\]"):
        cache.decode({0: np.zeros((1, 1, 2))}, {0: np.zeros((1, 1, 2))})
    cache.finish(1)
    with pytest.raises(CacheOrderError, match="finished sequence 1"):
        cache.decode({0: np.zeros((1, 1, 2)), 1: np.zeros((1, 1, 2))}, {0: np.zeros((1, 1, 2)), 1: np.zeros((1, 1, 2))})
    with pytest.raises(CacheOrderError, match="one token"):
        cache.decode({0: np.zeros((1, 2, 1, 2))}, {0: np.zeros((1, 2, 1, 2))})


@settings(max_examples=100)
@given(st.lists(st.integers(1, 6), max_size=5), st.integers(0, 8), st.lists(st.integers(0, 8), max_size=5))
def test_ragged_lengths(prompt_lens, steps, finish_after):
    expected = [p + min(steps, finish_after[i] if i < len(finish_after) else steps) for i, p in enumerate(prompt_lens)]
    assert lengths_after(prompt_lens, steps, finish_after) == expected
    assert footprint_after(prompt_lens, steps, finish_after, 3, 2, 4, "bf16") == footprint_bytes(expected, 3, 2, 4, "bf16")


def test_reference_machine_passes():
    CacheMachine.TestCase.settings = MACHINE_SETTINGS
    CacheMachine.TestCase("runTest").runTest()


def test_machine_requires_every_symbol():
    with pytest.raises(ValueError, match="cache_read"):
        make_machine({name: getattr(ref, name) for name in REQUIRED_SYMBOLS if name != "cache_read"})


class _SharedLayerCache(BatchedKVCache):
    def read(self, seq, layer):  # every layer reads layer 0: no isolation
        return super().read(seq, 0)


class _OverwriteCache(BatchedKVCache):
    def decode(self, keys, values):  # the new token lands on the last slot
        super().decode(keys, values)
        for seq in keys:
            for layer in range(self.n_layers):
                self._keys[seq][layer][-2] = self._keys[seq][layer].pop()
                self._values[seq][layer][-2] = self._values[seq][layer].pop()


class _LaxCache(BatchedKVCache):
    def decode(self, keys, values):  # accepts a step that skips active sequences
        for seq in keys:
            for layer in range(self.n_layers):
                self._keys[seq][layer].append(np.asarray(keys[seq][layer], dtype=self._storage))
                self._values[seq][layer].append(np.asarray(values[seq][layer], dtype=self._storage))


def _active_footprint(cache):
    return sum(cache.n_layers * cache.length(s) * cache.token_bytes for s in cache.active())


@pytest.mark.parametrize("name,replacement", [
    ("cache_new", lambda L, n_kv, d_k, dtype: _SharedLayerCache(L, n_kv, d_k, dtype)),
    ("cache_new", lambda L, n_kv, d_k, dtype: _OverwriteCache(L, n_kv, d_k, dtype)),
    ("cache_new", lambda L, n_kv, d_k, dtype: _LaxCache(L, n_kv, d_k, dtype)),
    ("cache_footprint", _active_footprint),
], ids=["shared-layer", "overwrite", "lax-decode", "footprint-active-only"])
def test_machine_catches_mutant_bindings(name, replacement):
    symbols = {sym: getattr(ref, sym) for sym in REQUIRED_SYMBOLS}
    symbols[name] = replacement
    machine = make_machine(symbols)
    machine.TestCase.settings = MACHINE_SETTINGS
    with pytest.raises(BaseException) as caught:
        machine.TestCase("runTest").runTest()
    assert any(isinstance(error, AssertionError) for error in _leaves(caught.value))


def _leaves(error):
    """The exceptions inside (possibly nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


class _SharedReadCache(BatchedKVCache):
    def read(self, seq, layer):  # hands out the same arrays every time
        memo = self.__dict__.setdefault("_memo", {})
        key = (seq, layer, self.length(seq))
        if key not in memo:
            memo[key] = super().read(seq, layer)
        return memo[key]


def test_machine_catches_reads_that_alias_the_cache():
    symbols = {sym: getattr(ref, sym) for sym in REQUIRED_SYMBOLS}
    symbols["cache_new"] = lambda L, n_kv, d_k, dtype: _SharedReadCache(L, n_kv, d_k, dtype)
    machine = make_machine(symbols)
    machine.TestCase.settings = MACHINE_SETTINGS
    with pytest.raises(BaseException) as caught:
        machine.TestCase("runTest").runTest()
    assert any(isinstance(error, AssertionError) for error in _leaves(caught.value))
