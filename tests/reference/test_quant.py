"""kvcontract.reference.quant: group quantiser, precision mapper, mixed buffer, fused matvec."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from kvcontract.reference.quant import (
    F16_MAX, assigned_bits, buffer_bytes, buffer_roundtrip, compression_ratio, dequant_matvec, fused_q4_matvec,
    position_bits, precision_lower_bound, quant_codes, quant_step, quantize, quantize_dequantize, recency_factor,
    storage_bytes,
)

BITS = st.sampled_from([2, 4, 8])
VALUES = st.floats(-1000, 1000, allow_nan=False, width=64)


@settings(max_examples=150)
@given(st.integers(1, 40).flatmap(lambda n: arrays(np.float64, (n,), elements=VALUES)), BITS, st.integers(1, 16))
def test_round_trip_within_half_step_and_codes_in_range(x, bits, group_size):
    error = np.max(np.abs(x - quantize_dequantize(x, bits, group_size)))
    assert error <= quant_step(x, bits, group_size) / 2 + 1e-9
    codes = quant_codes(x, bits, group_size)
    assert codes.min() >= 0 and codes.max() <= 2**bits - 1 and np.array_equal(codes, np.round(codes))


def test_scale_formula_and_f16_storage():
    x = np.array([0.0, 1.0, 2.0, 3.0, 10.0, 10.0, 10.0, 10.0])
    q = quantize(x, 2, 4)
    assert q.scale.dtype == np.float16 and list(q.scale.astype(float)) == [1.0, 0.0]
    assert list(q.zero.astype(float)) == [0.0, 10.0]
    assert np.array_equal(quantize_dequantize(x, 2, 4), x)


def test_quantiser_rejects_out_of_range_input():
    with pytest.raises(ValueError, match="65504"):
        quantize(np.array([F16_MAX * 2]), 4, 2)
    with pytest.raises(ValueError, match="bits"):
        quantize(np.zeros(4), 3, 2)


def test_precision_bound_and_levels():
    assert precision_lower_bound(1.0, 1.0, 4.0) == 0.0  # log2(4 * 1 * 1 / 4)
    assert math.isclose(precision_lower_bound(2.0, 3.0, 0.5), math.log2(4 * 2 * 9 / 0.5))
    assert [assigned_bits(2.0 ** e, 1.0, 4.0) for e in (0, 2, 3, 5, 9, 20)] == [2, 2, 4, 8, 16, 16]
    with pytest.raises(ValueError):
        precision_lower_bound(0.0, 1.0, 1.0)


@settings(max_examples=150)
@given(st.floats(1e-12, 1e12), st.floats(1e-12, 1e12), st.floats(1e-6, 1e3), st.floats(1e-6, 1e3))
def test_bits_never_decrease_with_curvature_and_meet_the_bound(k1, k2, diameter, epsilon):
    lo, hi = sorted((k1, k2))
    assert assigned_bits(lo, diameter, epsilon) <= assigned_bits(hi, diameter, epsilon)
    bound = precision_lower_bound(hi, diameter, epsilon)
    assert bound > 16 or assigned_bits(hi, diameter, epsilon) >= bound


def test_recency_factor_and_window():
    assert recency_factor(8, 7) == 2.0
    assert math.isclose(recency_factor(8, 0), 1 + math.exp(-7 / 2))
    bits = position_bits([1e-9] * 6, 1.0, 1.0, recent_window=2)
    assert bits == [2, 2, 2, 2, 16, 16]
    assert position_bits([1e-9] * 3, 1.0, 1.0, recent_window=10) == [16, 16, 16]


def test_storage_counts_scale_and_zero_overhead():
    # 128 elements at 4 bits = 64 bytes of codes + 4 groups of 32 x (2 + 2) bytes = 80
    assert storage_bytes([4], 128, 32) == 80
    assert storage_bytes([16], 128, 32) == 256
    assert compression_ratio([4], 128, 32) == 256 / 80 < 4.0  # overhead keeps it below 16/4
    assert compression_ratio([], 128, 32) == 1.0
    assert storage_bytes([2], 5, 4) == 2 + 2 * 4  # ceil(10 bits / 8) + 2 groups


@settings(max_examples=60)
@given(st.integers(1, 6), st.integers(1, 20), st.lists(st.sampled_from([2, 4, 8, 16]), max_size=6),
       st.integers(1, 8), st.data())
def test_buffer_bytes_are_real_and_match_the_formula(T, width, bits_list, group_size, data):
    X = data.draw(arrays(np.float64, (T, width), elements=st.floats(-50, 50)))
    effective = [bits_list[t % len(bits_list)] if bits_list else 16 for t in range(T)]
    assert buffer_bytes(X, bits_list, group_size) == storage_bytes(effective, width, group_size)
    back = buffer_roundtrip(X, bits_list, group_size)
    for t, bits in enumerate(effective):
        if bits == 16:
            assert np.array_equal(back[t], X[t].astype(np.float16).astype(np.float64))
        else:
            assert np.array_equal(back[t], quantize_dequantize(X[t], bits, group_size))  # packing is lossless


@settings(max_examples=60)
@given(st.integers(1, 6), st.integers(1, 24), st.integers(1, 8), st.data())
def test_fused_matches_decomposed(m, n, group_size, data):
    W = data.draw(arrays(np.float64, (m, n), elements=st.floats(-10, 10)))
    x = data.draw(arrays(np.float64, (n,), elements=st.floats(-10, 10)))
    assert np.max(np.abs(fused_q4_matvec(W, x, group_size) - dequant_matvec(W, x, group_size))) < 1e-9
