"""The laws docs/bindings.md suggests are expressible in the contract language and hold for the reference.

Evaluated by kvcontract's own parser and concrete evaluator on the reference
symbols, so a rename or signature change on either side shows here.
"""
import numpy as np
import pytest

from kvcontract.expr.concrete import evaluate
from kvcontract.expr.parse import parse_expr
from kvcontract.expr.scope import ImplFn, Scope
from kvcontract.reference import allocation, append, attention, cache, model_config, quant, sizing

SIGNATURES = {  # symbol -> (module, params), as in docs/bindings.md
    "kv_bytes_simd": (sizing, "n_kvs d_k dtype"),
    "kv_bytes": (sizing, "n_kv d_k dtype"),
    "tensor_inventory": (sizing, "n_layers has_bias"),
    "project": (sizing, "W x"),
    "append_keys": (append, "K k"),
    "append_rotated_key": (append, "K k rope_theta"),
    "rope_rotate": (append, "x pos rope_theta"),
    "decode_last": (attention, "T n_heads n_kv d_k seed"),
    "full_attention_last": (attention, "T n_heads n_kv d_k seed"),
    "page_elements": (attention, "block_size n_kv d_k"),
    "pages_needed": (attention, "T block_size"),
    "quantize_dequantize": (quant, "x bits group_size"),
    "quant_step": (quant, "x bits group_size"),
    "assigned_bits": (quant, "curvature diameter epsilon"),
    "compression_ratio": (quant, "bits_list width group_size"),
    "tracker_balance_after": (allocation, "sizes release"),
    "layer_key_offset": (allocation, "L T n_kv d_k dtype layer"),
    "lengths_after": (cache, "prompt_lens steps finish_after"),
    "config_valid": (model_config, "hidden n_heads n_kv head_dim d_ff n_layers vocab max_pos rope_theta eps"),
}
F = {name: ImplFn(name, tuple(params.split()), getattr(module, name)) for name, (module, params) in SIGNATURES.items()}

vals = dict(
    n_kvs=[1, 2, 3], d_k=64, dtype="f16", n_layers=2, has_bias=False, W=np.ones((2, 3)), n=3, m=2,
    K=np.arange(6.0).reshape(3, 2), k=np.array([1.0, 2.0]), T=3, rope_theta=1e4, n_heads=4, n_kv=2, seed=5,
    block_size=4, x=np.linspace(-3, 3, 10), bits=4, group_size=4, curvature=2.0, c2=5.0, diameter=1.0,
    epsilon=1e-3, bits_list=[2, 4, 16], width=64, sizes=[10, 20, 30], release=[True], L=2, layer=1,
    prompt_lens=[3, 1], steps=4, finish_after=[2], hidden=896, head_dim=64, d_ff=4864, vocab=1000, max_pos=100,
    eps=1e-6,
)
laws = [
 "all(kv_bytes_simd(n_kvs, d_k, dtype)[i] == kv_bytes(n_kvs[i], d_k, dtype) for i in range(len(n_kvs)))",
 "not has_bias => count(endswith(t, '.bias') for t in tensor_inventory(n_layers, has_bias)) == 0",
 "norm(project(W, zeros(n))) == 0 and len(project(W, zeros(n))) == m",
 "norm(append_keys(K, k)[T] - k) == 0",
 "norm(append_keys(K, k)[0:T] - K) == 0 and len(append_keys(K, k)) == T + 1",
 "norm(append_rotated_key(K, k, rope_theta)[T] - rope_rotate(k, T, rope_theta)) <= 1e-12",
 "norm(decode_last(T, n_heads, n_kv, d_k, seed) - full_attention_last(T, n_heads, n_kv, d_k, seed)) < 1e-5",
 "page_elements(block_size, n_kv, d_k) == block_size * n_kv * d_k and pages_needed(T, block_size) == ceil_div(T, block_size)",
 "norm(x - quantize_dequantize(x, bits, group_size)) <= quant_step(x, bits, group_size) / 2 + 1e-9",
 "curvature <= c2 => assigned_bits(curvature, diameter, epsilon) <= assigned_bits(c2, diameter, epsilon)",
 "compression_ratio(bits_list, width, group_size) <= 16 / min(bits_list)",
 "tracker_balance_after(sizes, release) == sum(sizes[i] for i in range(len(sizes)) if not (i < len(release) and release[i]))",
 "layer_key_offset(layer=1) - layer_key_offset(layer=0) == 2 * T * n_kv * d_k * sizeof(dtype)",
 "all(lengths_after(prompt_lens, steps, finish_after)[i] == prompt_lens[i] + min(steps, finish_after[i] if i < len(finish_after) else steps) for i in range(len(prompt_lens)))",
 "config_valid(hidden, 14, 2, head_dim, d_ff, 24, vocab, max_pos, rope_theta, eps)",
]


@pytest.mark.parametrize("law", laws)
def test_law_holds_for_the_reference(law):
    assert evaluate(parse_expr(law), Scope(vals, F)) is True


def _overwrite_last(K, k):
    out = np.array(K, copy=True)
    out[-1] = k
    return out


def _never_release(sizes, release):
    return sum(sizes)


@pytest.mark.parametrize("law,name,mutant", [
    (laws[4], "append_keys", _overwrite_last),
    (laws[11], "tracker_balance_after", _never_release),
    (laws[6], "decode_last", lambda T, n_heads, n_kv, d_k, seed: attention.decode_last(T, n_heads, n_kv, d_k, seed + 1)),
])
def test_law_is_false_for_a_mutant(law, name, mutant):
    functions = {**F, name: ImplFn(name, F[name].params, mutant)}
    assert evaluate(parse_expr(law), Scope(vals, functions)) is False
