"""The yardstick: what a careful engineer writes by hand for kv-cache-sizing-v1.

Six pytest + Hypothesis properties, one per falsification test of the seed
contract, at the same example count kvcontract uses (``HANDWRITTEN_EXAMPLES``,
default 1000), derandomized like kvcontract's gate mode.  benchmarks/run.py
times this file side by side with ``kvcontract check``; it is not part of the
test suite (its name does not start with ``test_`` and it lives outside tests/).
"""
import os

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from kvcontract.reference import sizing

N = int(os.environ.get("HANDWRITTEN_EXAMPLES", "1000"))
SETTINGS = settings(max_examples=N, derandomize=True, deadline=None, database=None)
BPE = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}
KV_TYPES = {"attention", "full_attention", "sliding_attention", "chunked_attention"}
ALL_TYPES = sorted(KV_TYPES | {"linear_attention", "mamba", "conv", "recurrent"})

dims = st.integers(1, 1024)
dtypes = st.sampled_from(sorted(BPE))


@SETTINGS
@given(n_kv=dims, d_k=dims, dtype=dtypes)
def test_per_token_bytes(n_kv, d_k, dtype):
    assert sizing.kv_bytes(n_kv, d_k, dtype) == 2 * n_kv * d_k * BPE[dtype]


@SETTINGS
@given(L=dims, s1=st.integers(1, 10_000_000), s2=st.integers(1, 10_000_000), n_kv=dims, d_k=dims, dtype=dtypes)
def test_total_monotonic(L, s1, s2, n_kv, d_k, dtype):
    if s1 < s2:
        assert sizing.kv_total(L, s1, n_kv, d_k, dtype) < sizing.kv_total(L, s2, n_kv, d_k, dtype)


@SETTINGS
@given(layer_types=st.lists(st.sampled_from(ALL_TYPES), max_size=64))
def test_hybrid_accounting(layer_types):
    n = sizing.kv_layers(layer_types)
    assert n == sum(t in KV_TYPES for t in layer_types)
    assert n <= len(layer_types)


@SETTINGS
@given(n_layers=st.integers(1, 128))
def test_bias_absence(n_layers):
    assert not [t for t in sizing.tensor_inventory(n_layers, False) if t.endswith(".bias")]


@SETTINGS
@given(data=st.data(), m=st.integers(1, 16), n=st.integers(1, 16))
def test_zero_input_identity(data, m, n):
    W = data.draw(hnp.arrays(np.float64, (m, n), elements=st.floats(-1000, 1000)))
    assert np.array_equal(sizing.project(W, np.zeros(n)), np.zeros(m))


@SETTINGS
@given(pairs=st.lists(st.tuples(dims, dims), min_size=1, max_size=16), dtype=dtypes)
def test_simd_equivalence(pairs, dtype):
    n_kv = np.array([p[0] for p in pairs], dtype=np.int64)
    d_k = np.array([p[1] for p in pairs], dtype=np.int64)
    simd = sizing.kv_bytes_simd(n_kv, d_k, dtype)
    assert [int(v) for v in simd] == [sizing.kv_bytes(a, b, dtype) for a, b in pairs]
