"""kvcontract.reference.sizing: byte formulas, hybrid accounting, inventory, SIMD path."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kvcontract.reference import sizing
from kvcontract.reference.sizing import (
    BYTES_PER_ELEMENT, is_kv_layer, kv_bytes, kv_bytes_simd, kv_layers, kv_total, kv_total_hybrid,
    project, tensor_inventory,
)

DTYPES = st.sampled_from(sorted(BYTES_PER_ELEMENT))


def test_bytes_per_element_table():
    assert BYTES_PER_ELEMENT == {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}


def test_unknown_dtype_names_the_known_ones():
    with pytest.raises(ValueError, match="f16.*bf16.*f32.*f64.*int8.*fp8"):
        kv_bytes(1, 1, "f8")


@pytest.mark.parametrize("n_kv,d_k,dtype,expect", [(2, 64, "f16", 512), (8, 128, "bf16", 4096), (1, 1, "int8", 2)])
def test_kv_bytes_examples(n_kv, d_k, dtype, expect):
    assert kv_bytes(n_kv, d_k, dtype) == expect


@pytest.mark.parametrize("L,S,n_kv,d_k,expect", [
    (24, 2048, 2, 64, 25_165_824),      # Qwen2.5-0.5B 2K (seed 002)
    (32, 4096, 8, 128, 536_870_912),    # Llama-3-8B 4K
    (80, 8192, 8, 128, 2_684_354_560),  # Llama-3-70B 8K
])
def test_kv_total_golden(L, S, n_kv, d_k, expect):
    assert kv_total(L, S, n_kv, d_k, "f16") == expect


@settings(max_examples=100)
@given(st.integers(0, 200), st.integers(0, 10**7), st.integers(1, 1024), st.integers(1, 1024), DTYPES)
def test_kv_total_is_layers_times_tokens_times_kv_bytes(L, S, n_kv, d_k, dtype):
    assert kv_total(L, S, n_kv, d_k, dtype) == L * S * 2 * n_kv * d_k * BYTES_PER_ELEMENT[dtype]
    assert kv_total(L, S + 1, n_kv, d_k, dtype) - kv_total(L, S, n_kv, d_k, dtype) == L * kv_bytes(n_kv, d_k, dtype)


@pytest.mark.parametrize("bad", [(0, 1), (1, 0), (-1, 4)])
def test_kv_bytes_rejects_non_positive(bad):
    with pytest.raises(ValueError, match="must be >= 1"):
        kv_bytes(*bad, "f16")


def test_kv_layers_counts_only_kv_holding_types():
    stack = ["linear_attention"] * 3 + ["full_attention"] + ["sliding_attention", "mamba", "conv", "recurrent",
                                                              "attention", "chunked_attention"]
    assert kv_layers(stack) == 4
    assert kv_layers([]) == 0
    assert kv_total_hybrid(stack, 10, 2, 64, "f16") == kv_total(4, 10, 2, 64, "f16")
    assert is_kv_layer("chunked_attention") and not is_kv_layer("linear_attention")


def test_unknown_layer_type_is_an_error():
    with pytest.raises(ValueError, match="layer 1: unknown layer type 'moe'"):
        kv_layers(["attention", "moe"])
    with pytest.raises(ValueError, match="unknown layer type"):
        is_kv_layer("Attention")


@settings(max_examples=100)
@given(st.lists(st.sampled_from(sorted(sizing.KV_LAYER_TYPES | sizing.NON_KV_LAYER_TYPES)), max_size=64))
def test_kv_layers_bounded_by_total(types):
    assert 0 <= kv_layers(types) <= len(types)
    assert kv_layers(types) == sum(map(is_kv_layer, types))


def test_tensor_inventory_bias_convention():
    names = tensor_inventory(2, has_bias=True)
    assert "model.layers.1.self_attn.q_proj.bias" in names
    assert "model.layers.0.self_attn.o_proj.bias" not in names  # Qwen2: o_proj never biased
    assert sum(n.endswith(".bias") for n in names) == 6
    assert sum(n.endswith(".weight") for n in names) == 8
    assert not any(n.endswith(".bias") for n in tensor_inventory(5, has_bias=False))
    assert tensor_inventory(0, True) == []


def test_project_is_bias_free_matvec():
    W = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(project(W, np.zeros(3)), np.zeros(2))
    assert np.array_equal(project(W, np.array([1.0, 0.0, -1.0])), np.array([-2.0, -2.0]))
    with pytest.raises(ValueError):
        project(W, np.zeros(2))


@settings(max_examples=100)
@given(st.lists(st.integers(1, 4096), min_size=1, max_size=16), st.integers(1, 4096), DTYPES)
def test_simd_agrees_exactly_with_scalar(n_kvs, d_k, dtype):
    got = kv_bytes_simd(n_kvs, d_k, dtype)
    assert got.dtype == np.int64
    assert [int(v) for v in got] == [kv_bytes(n, d_k, dtype) for n in n_kvs]
    assert kv_bytes_simd(n_kvs[0], d_k, dtype) == kv_bytes(n_kvs[0], d_k, dtype)
    assert isinstance(kv_bytes_simd(n_kvs[0], d_k, dtype), int)


def test_simd_raises_instead_of_wrapping():
    with pytest.raises(OverflowError):
        kv_bytes_simd([1, 2**31], [2**31], "f64")  # 2 * 8 * 2^62 > int64 max
    assert kv_bytes_simd([2**30], [2**28], "f16")[0] == 2**60  # 2 * 2 * 2^58: large but fits


def test_simd_rejects_non_positive_and_non_integers():
    with pytest.raises(ValueError):
        kv_bytes_simd([0, 1], [4], "f16")
    with pytest.raises(ValueError):
        kv_bytes_simd([1.5], [4], "f16")


def test_non_integer_sizes_are_type_errors():
    with pytest.raises(TypeError, match="integer"):
        kv_bytes(1.5, 2, "f16")


def test_scalar_sizing_is_traceable_by_the_z3_harness():
    # The range checks must not branch on symbolic values, so the bounded
    # harness reads kv_total's own arithmetic instead of enumerating.
    import z3

    from kvcontract.expr.symbolic_trace import call_traced
    from kvcontract.expr.symbolic_values import SymContext

    L, S, n_kv, d_k = z3.Ints("L S n_kv d_k")
    term = call_traced(kv_total, [L, S, n_kv, d_k, "bf16"], SymContext(), "kv_total")
    solver = z3.Solver()
    solver.add(term != L * S * 4 * n_kv * d_k)
    assert solver.check() == z3.unsat
