"""kvcontract.reference.attention: cached vs full, batched vs serial, paged layout."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kvcontract.reference.attention import (
    PagedKVCache, attention_inputs, batched_prefill, causal_attention, decode_last, full_attention_last,
    page_elements, pages_needed, paged_decode_last, serial_prefill,
)

CONFIGS = st.tuples(st.integers(1, 12), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4).map(lambda h: 2 * h),
                    st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(CONFIGS, st.integers(1, 5))
def test_cached_paths_match_full_attention(config, block_size):
    T, n_kv, group, d_k, seed = config
    n_heads = n_kv * group
    full = full_attention_last(T, n_heads, n_kv, d_k, seed)
    assert full.shape == (n_heads * d_k,)
    assert np.max(np.abs(decode_last(T, n_heads, n_kv, d_k, seed) - full)) < 1e-10
    assert np.max(np.abs(paged_decode_last(T, n_heads, n_kv, d_k, block_size, seed) - full)) < 1e-10
    assert np.max(np.abs(batched_prefill(T, n_heads, n_kv, d_k, seed) - serial_prefill(T, n_heads, n_kv, d_k, seed))) < 1e-10


def test_attention_is_causal_and_uses_its_kv_head():
    q, k, v = attention_inputs(6, 4, 2, 4, seed=7)
    out = causal_attention(q, k, v)
    k2, v2 = k.copy(), v.copy()
    k2[5], v2[5] = 100.0, 100.0  # the future of token 3 changes
    assert np.allclose(causal_attention(q, k2, v2)[:5], out[:5])
    assert not np.allclose(causal_attention(q, k2, v2)[5], out[5])
    v3 = v.copy()
    v3[:, 1] += 1.0  # KV head 1 serves query heads 2 and 3 only
    changed = causal_attention(q, k, v3)
    assert np.allclose(changed[:, :8], out[:, :8]) and not np.allclose(changed[:, 8:], out[:, 8:])


def test_first_token_attends_only_to_itself():
    q, k, v = attention_inputs(3, 2, 1, 2, seed=1)
    out = causal_attention(q, k, v)
    assert np.allclose(out[0].reshape(2, 2), np.repeat(v[0], 2, axis=0))


@pytest.mark.parametrize("T,block,pages", [(0, 16, 0), (1, 16, 1), (16, 16, 1), (17, 16, 2), (100, 7, 15)])
def test_pages_needed(T, block, pages):
    assert pages_needed(T, block) == pages == -(-T // block)


def test_page_shape_and_gather_order():
    assert page_elements(16, 8, 128) == 16 * 8 * 128
    cache = PagedKVCache(1, 2, block_size=3)
    values = np.arange(14.0).reshape(7, 1, 2)
    cache.extend(np.zeros((7, 1, 2)), values)
    assert len(cache.value_pages) == 3 and np.array_equal(cache.history()[1], values)


def test_grouping_and_rope_errors():
    with pytest.raises(ValueError, match="multiple"):
        decode_last(4, 3, 2, 4, 0)
    with pytest.raises(ValueError, match="even"):
        decode_last(4, 2, 1, 3, 0)
    with pytest.raises(ValueError):
        PagedKVCache(1, 2, block_size=0)
