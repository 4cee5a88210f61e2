"""kvcontract.reference.allocation: the seed 002 figures, arena layout, views, tracker."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kvcontract.reference.allocation import (
    KVCache, KVCacheConfig, MemoryTracker, arena_bytes, arena_is_zero, cache_size, config_rejected,
    key_write_footprint, layer_index_ok, layer_key_offset, layer_value_offset, layer_view_bytes,
    tracked_after_release, tracked_cache_bytes, tracker_balance_after, tracker_purpose_total,
)

MiB, KiB = 1024 * 1024, 1024


@pytest.mark.parametrize("L,T,n_kv,d_k,expect", [
    (24, 2048, 2, 64, 25_165_824),       # Qwen2.5-0.5B 2K: "24 MB"
    (32, 4096, 8, 128, 536_870_912),     # Llama-3-8B 4K: "512 MB"
    (80, 8192, 8, 128, 2_684_354_560),   # Llama-3-70B 8K: "2.5 GB"
    (24, 8192, 4, 64, 192 * MiB),        # large context: "192 MB" holds for head_dim 64
    (1, 128, 4, 64, 128 * KiB),          # single layer: "128 KB" holds for head_dim 64
    (2, 128, 1, 64, 64 * KiB),           # single head: "64 KB" holds for head_dim 64
])
def test_seed_002_figures(L, T, n_kv, d_k, expect):
    assert cache_size(L, T, n_kv, d_k, "f16") == expect


def test_seed_small_context_figure_needs_head_dim_32():
    # "2 layers, 1 context, 4 heads -> 1 KB": false at the head_dim 64 of every
    # other edge case (2 KB); true only at head_dim 32.
    assert cache_size(2, 1, 4, 64, "f16") == 2 * KiB
    assert cache_size(2, 1, 4, 32, "f16") == 1 * KiB


@pytest.mark.parametrize("field,args", [
    ("num_layers", (0, 1, 1, 1)), ("max_context", (1, 0, 1, 1)),
    ("num_kv_heads", (1, 1, -2, 1)), ("head_dim", (1, 1, 1, 0)),
])
def test_invalid_config_message_names_the_field(field, args):
    with pytest.raises(ValueError, match=f"{field} must be >= 1"):
        cache_size(*args, "f16")
    assert config_rejected(*args, "f16")
    assert not config_rejected(1, 1, 1, 1, "f16")


def test_unknown_dtype_rejected():
    assert config_rejected(1, 1, 1, 1, "f12")


def test_arena_zeroed_and_sized():
    assert arena_is_zero(3, 16, 2, 8, "f32")
    assert arena_bytes(3, 16, 2, 8, "f32") == cache_size(3, 16, 2, 8, "f32")


@settings(max_examples=50)
@given(st.integers(1, 4), st.integers(1, 8), st.integers(1, 3), st.integers(1, 8),
       st.sampled_from(["f16", "bf16", "f32", "f64", "int8", "fp8"]), st.data())
def test_layout_spacing_and_isolation(L, T, n_kv, d_k, dtype, data):
    layer = data.draw(st.integers(0, L - 1))
    block = cache_size(1, T, n_kv, d_k, dtype) // 2
    assert layer_key_offset(L, T, n_kv, d_k, dtype, layer) == 2 * block * layer
    assert layer_value_offset(L, T, n_kv, d_k, dtype, layer) == 2 * block * layer + block
    assert layer_view_bytes(L, T, n_kv, d_k, dtype, layer) == block
    assert key_write_footprint(L, T, n_kv, d_k, dtype, layer) == block


@pytest.mark.parametrize("layer,ok", [(-1, False), (0, True), (2, True), (3, False), (100, False)])
def test_layer_bounds(layer, ok):
    assert layer_index_ok(3, 4, 1, 2, "f16", layer) is ok
    if not ok:
        with pytest.raises(IndexError, match="out of range"):
            layer_key_offset(3, 4, 1, 2, "f16", layer)


def test_views_share_the_arena_and_keep_their_shape():
    cache = KVCache(KVCacheConfig(2, 4, 2, 8, "f16"))
    cache.values(1)[...] = 3.0
    assert cache.values(1).shape == (4, 2, 8) and cache.values(1).dtype == np.float16
    assert np.count_nonzero(cache.arena) > 0 and not cache.keys(1).any() and not cache.values(0).any()


def test_tracker_balances():
    assert tracker_balance_after([10, 20, 30], [True, False, True]) == 20
    assert tracker_balance_after([10, 20], []) == 30
    assert tracker_balance_after([5, 6], [True, True, True]) == 0
    assert tracker_purpose_total([10, 20, 30], ["weights", "kv_cache"], "kv_cache") == 50
    assert tracked_cache_bytes(2, 8, 1, 4, "f16") == cache_size(2, 8, 1, 4, "f16")
    assert tracked_after_release(2, 8, 1, 4, "f16") == 0
    with pytest.raises(ValueError):
        tracker_balance_after([0], [])


def test_double_release_is_an_error():
    tracker = MemoryTracker()
    handle = tracker.allocate(8, "kv_cache")
    tracker.release(handle)
    with pytest.raises(KeyError):
        tracker.release(handle)


def test_released_cache_cannot_be_used():
    cache = KVCache(KVCacheConfig(1, 1, 1, 2))
    cache.release()
    with pytest.raises(RuntimeError):
        cache.keys(0)
