"""kvcontract.reference.append and rope: append boundary and RoPE position."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from kvcontract.reference.append import (
    SequenceCache, append_keys, append_kv, append_position, append_rotated_key, append_values,
)
from kvcontract.reference.rope import rope_rotate

FLOATS = st.floats(-100, 100, allow_nan=False)


@settings(max_examples=100)
@given(st.integers(0, 6), st.integers(1, 4).map(lambda h: 2 * h), st.data())
def test_append_boundary(T, d, data):
    K = data.draw(arrays(np.float64, (T, d), elements=FLOATS))
    k = data.draw(arrays(np.float64, (d,), elements=FLOATS))
    before = K.copy()
    out = append_keys(K, k)
    assert out.shape == (T + 1, d)
    assert np.array_equal(out[T], k) and np.array_equal(out[:T], K)
    assert np.array_equal(K, before)  # the input is not modified
    assert np.array_equal(append_values(K, k)[T], k)


def test_append_kv_returns_a_longer_cache():
    cache = SequenceCache.empty(4)
    for t in range(3):
        cache = append_kv(cache, np.full(4, t), np.full(4, -t))
    assert cache.length == 3 and np.array_equal(cache.values[:, 0], [0, -1, -2])
    with pytest.raises(ValueError):
        append_kv(cache, np.zeros(3), np.zeros(4))


def test_append_position_is_old_length():
    assert [append_position(T) for T in range(4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        append_position(-1)


def test_rotated_key_lands_at_its_position():
    K = np.zeros((5, 4))
    k = np.array([1.0, 2.0, 3.0, 4.0])
    assert np.allclose(append_rotated_key(K, k, 10000.0)[5], rope_rotate(k, 5, 10000.0))
    assert not np.allclose(rope_rotate(k, 5, 10000.0), rope_rotate(k, 6, 10000.0))


@settings(max_examples=100)
@given(arrays(np.float64, (8,), elements=FLOATS), arrays(np.float64, (8,), elements=FLOATS),
       st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_rope_is_a_relative_rotation(q, k, m, n, shift):
    assert np.allclose(rope_rotate(q, 0, 1e4), q)
    assert np.isclose(np.linalg.norm(rope_rotate(q, m, 1e4)), np.linalg.norm(q))
    dot = rope_rotate(q, m, 1e4) @ rope_rotate(k, n, 1e4)
    shifted = rope_rotate(q, m + shift, 1e4) @ rope_rotate(k, n + shift, 1e4)
    assert np.isclose(dot, shifted, atol=1e-6 * (1 + np.abs(q).sum() * np.abs(k).sum()))


def test_rope_rejects_odd_dimension():
    with pytest.raises(ValueError, match="even"):
        rope_rotate(np.zeros(3), 1)
