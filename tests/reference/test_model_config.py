"""kvcontract.reference.model_config: parsing real configs and the config algebra."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from kvcontract.reference.model_config import (
    KNOWN_CONFIGS, config_errors, config_valid, default_head_dim, from_hf_dict, gqa_group, gqa_group_simd,
    known_config, known_config_float, known_config_int, known_config_valid, moe_valid,
)


@pytest.mark.parametrize("model", sorted(KNOWN_CONFIGS))
def test_every_shipped_real_config_is_valid(model):
    config = known_config(model)
    assert config.errors() == []
    assert known_config_valid(model)


def test_dense_defaults_and_bias():
    qwen = known_config("qwen2.5-0.5b")
    assert qwen.head_dim == 64 == default_head_dim(896, 14)
    assert (qwen.n_heads, qwen.n_kv, gqa_group(qwen.n_heads, qwen.n_kv)) == (14, 2, 7)
    assert qwen.attention_bias  # Qwen2 biases q/k/v without an attention_bias key
    assert sum(name.endswith(".bias") for name in qwen.tensor_inventory()) == 3 * 24
    llama = known_config("llama-3-8b")
    assert llama.head_dim == 128 and not llama.attention_bias and llama.kv_layers == 32


def test_moe_configs_break_the_rules_we_do_not_enforce():
    moe = known_config("qwen3-30b-a3b")
    assert moe.n_heads * moe.head_dim != moe.hidden  # 32 * 128 = 4096 != 2048
    assert moe.moe_d_ff < moe.hidden  # expert FFN narrower than hidden
    assert moe.top_k * moe.moe_d_ff > moe.hidden
    assert moe_valid(moe.hidden, moe.moe_d_ff, moe.n_experts, moe.top_k)


def test_hybrid_config_layer_types():
    nxt = known_config("qwen3-next-80b-a3b")
    assert nxt.layer_types[:4] == ("linear_attention",) * 3 + ("full_attention",)
    assert known_config_int("qwen3-next-80b-a3b", "kv_layers") == 12
    assert known_config_int("qwen3-next-80b-a3b", "n_layers") == 48
    assert known_config_float("llama-3-8b", "rope_theta") == 500000.0


VALID = dict(hidden=896, n_heads=14, n_kv=2, head_dim=64, d_ff=4864, n_layers=24, vocab=151936,
             max_pos=32768, rope_theta=1e6, eps=1e-6)


@pytest.mark.parametrize("change,rule", [
    ({"n_kv": 3}, "gqa_divisibility"),
    ({"n_kv": 28}, "kv_le_heads"),
    ({"head_dim": 63}, "rope_even_head_dim"),
    ({"d_ff": 896}, "ffn_expansion"),
    ({"vocab": 0}, "positive:vocab"),
    ({"rope_theta": math.inf}, "rope_theta"),
    ({"rope_theta": 0.0}, "rope_theta"),
    ({"eps": 0.1}, "rms_norm_eps"),
    ({"eps": math.nan}, "rms_norm_eps"),
])
def test_each_rule_rejects(change, rule):
    values = {**VALID, **change}
    assert rule in config_errors(**values)
    assert not config_valid(**values)


def test_valid_config_has_no_errors():
    assert config_errors(**VALID) == [] and config_valid(**VALID)


@settings(max_examples=200)
@given(st.integers(1, 64), st.integers(1, 8), st.integers(1, 128), st.integers(1, 64), st.integers(1, 4))
def test_generated_valid_configs_pass(n_kv, group, half_head_dim, hidden_mult, ffn_mult):
    n_heads = n_kv * group
    hidden = n_heads * hidden_mult
    assert config_valid(hidden, n_heads, n_kv, 2 * half_head_dim, hidden * (ffn_mult + 1), 2, 1000, 4096, 1e4, 1e-5)


def test_gqa_group_errors_and_simd():
    with pytest.raises(ValueError, match="not a multiple"):
        gqa_group(14, 4)
    assert list(gqa_group_simd([32, 14, 64], [8, 2, 64])) == [4, 7, 1]
    with pytest.raises(ValueError):
        gqa_group_simd([14], [4])


def test_missing_required_field_is_named():
    broken = dict(KNOWN_CONFIGS["llama-3-8b"])
    del broken["vocab_size"]
    with pytest.raises(ValueError, match="vocab_size"):
        from_hf_dict(broken)


def test_unknown_model_and_field():
    with pytest.raises(ValueError, match="known"):
        known_config("gpt-5")
    with pytest.raises(ValueError):
        known_config_int("llama-3-8b", "eps")


def test_absent_kv_heads_means_mha_but_zero_is_invalid():
    config = dict(KNOWN_CONFIGS["llama-3-8b"])
    del config["num_key_value_heads"]
    assert from_hf_dict(config).n_kv == 32
    config["num_key_value_heads"] = 0
    assert "positive:n_kv" in from_hf_dict(config).errors()
