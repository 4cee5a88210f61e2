"""Transformer config algebra: a Hugging Face ``config.json`` dict → validated ModelConfig.

The symbols of model-config-algebra-v1 (docs/bindings.md). The rules are the
ones every real config we ship satisfies, dense and MoE alike; two rules of the
provable-contracts anchor are deliberately *not* enforced because real models
break them:

* ``hidden == n_heads * head_dim``: Qwen3-30B-A3B has 32 × 128 = 4096 ≠ 2048.
* expert FFN width ``> hidden``: Qwen3 MoE experts are 768 (or 512) wide on a
  2048 hidden; the *active* width ``top_k * moe_d_ff`` is what exceeds hidden.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .sizing import kv_layers, tensor_inventory

__all__ = [
    "ModelConfig",
    "KNOWN_CONFIGS",
    "from_hf_dict",
    "config_errors",
    "config_valid",
    "default_head_dim",
    "gqa_group",
    "gqa_group_simd",
    "moe_valid",
    "known_config",
    "known_config_valid",
    "known_config_int",
    "known_config_float",
]


@dataclass(frozen=True)
class ModelConfig:
    hidden: int
    n_heads: int
    n_kv: int
    head_dim: int
    d_ff: int
    n_layers: int
    vocab: int
    max_pos: int
    rope_theta: float
    eps: float
    layer_types: tuple[str, ...]
    attention_bias: bool
    moe_d_ff: int = 0  # 0: dense model
    n_experts: int = 0
    top_k: int = 0

    @property
    def kv_layers(self) -> int:
        return kv_layers(self.layer_types)

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 0

    def errors(self) -> list[str]:
        found = config_errors(
            self.hidden, self.n_heads, self.n_kv, self.head_dim, self.d_ff,
            self.n_layers, self.vocab, self.max_pos, self.rope_theta, self.eps,
        )
        if len(self.layer_types) != self.n_layers:
            found.append("layer_types_length")
        if self.is_moe and not moe_valid(self.hidden, self.moe_d_ff, self.n_experts, self.top_k):
            found.append("moe")
        return found

    def tensor_inventory(self) -> list[str]:
        return tensor_inventory(self.n_layers, self.attention_bias)


def from_hf_dict(config: Mapping[str, Any]) -> ModelConfig:
    """Read the fields of a Hugging Face ``config.json`` (missing required field → ValueError)."""
    def need(key: str) -> Any:
        if key not in config:
            raise ValueError(f"config.json has no {key!r}")
        return config[key]

    hidden = int(need("hidden_size"))
    n_heads = int(need("num_attention_heads"))
    n_layers = int(need("num_hidden_layers"))
    n_kv = config.get("num_key_value_heads")
    n_kv = n_heads if n_kv is None else int(n_kv)  # absent: plain MHA; 0 stays 0 and is rejected
    head_dim = config.get("head_dim")
    if head_dim is None:
        head_dim = default_head_dim(hidden, n_heads)
    layer_types = config.get("layer_types")
    if layer_types is None:
        interval = config.get("full_attention_interval")
        if interval:  # Qwen3-Next: every interval-th layer is full attention
            layer_types = ["linear_attention" if (i + 1) % interval else "full_attention" for i in range(n_layers)]
        else:
            layer_types = ["full_attention"] * n_layers
    # Qwen2 always biases q/k/v and its config has no attention_bias key.
    attention_bias = bool(config.get("attention_bias", config.get("model_type") == "qwen2"))
    return ModelConfig(
        hidden=hidden, n_heads=n_heads, n_kv=n_kv, head_dim=int(head_dim),
        d_ff=int(need("intermediate_size")), n_layers=n_layers, vocab=int(need("vocab_size")),
        max_pos=int(need("max_position_embeddings")), rope_theta=float(config.get("rope_theta", 10000.0)),
        eps=float(need("rms_norm_eps")), layer_types=tuple(layer_types), attention_bias=attention_bias,
        moe_d_ff=int(config.get("moe_intermediate_size") or 0), n_experts=int(config.get("num_experts") or 0),
        top_k=int(config.get("num_experts_per_tok") or 0),
    )


def config_errors(hidden: int, n_heads: int, n_kv: int, head_dim: int, d_ff: int, n_layers: int,
                  vocab: int, max_pos: int, rope_theta: float, eps: float) -> list[str]:
    """Names of the rules the config breaks; empty when valid."""
    errors = []
    ints = {"hidden": hidden, "n_heads": n_heads, "n_kv": n_kv, "head_dim": head_dim, "d_ff": d_ff,
            "n_layers": n_layers, "vocab": vocab, "max_pos": max_pos}
    errors.extend(f"positive:{name}" for name, value in ints.items() if value < 1)
    if n_kv >= 1 and n_heads >= 1:
        if n_kv > n_heads:
            errors.append("kv_le_heads")
        if n_heads % n_kv:
            errors.append("gqa_divisibility")
    if head_dim % 2:
        errors.append("rope_even_head_dim")  # RoPE rotates pairs of dimensions
    if d_ff <= hidden:
        errors.append("ffn_expansion")
    if not (math.isfinite(rope_theta) and rope_theta > 0):
        errors.append("rope_theta")
    if not (0 < eps < 0.1):  # NaN fails both comparisons
        errors.append("rms_norm_eps")
    return errors


def config_valid(hidden: int, n_heads: int, n_kv: int, head_dim: int, d_ff: int, n_layers: int,
                 vocab: int, max_pos: int, rope_theta: float, eps: float) -> bool:
    return not config_errors(hidden, n_heads, n_kv, head_dim, d_ff, n_layers, vocab, max_pos, rope_theta, eps)


def default_head_dim(hidden: int, n_heads: int) -> int:
    """Hugging Face's default when ``head_dim`` is absent."""
    if n_heads < 1:
        raise ValueError(f"n_heads must be >= 1, got {n_heads}")
    return hidden // n_heads


def gqa_group(n_heads: int, n_kv: int) -> int:
    """Query heads sharing one KV head."""
    if n_heads < 1 or n_kv < 1:
        raise ValueError(f"n_heads and n_kv must be >= 1, got {n_heads} and {n_kv}")
    if n_heads % n_kv:
        raise ValueError(f"n_heads={n_heads} is not a multiple of n_kv={n_kv}")
    return n_heads // n_kv


def gqa_group_simd(n_heads_list, n_kv_list) -> np.ndarray:
    """Vectorised :func:`gqa_group` over broadcast inputs."""
    heads, kvs = np.broadcast_arrays(np.asarray(n_heads_list, dtype=np.int64), np.asarray(n_kv_list, dtype=np.int64))
    if heads.size and (heads.min() < 1 or kvs.min() < 1):
        raise ValueError("gqa_group_simd: every n_heads and n_kv must be >= 1")
    if heads.size and np.any(heads % kvs):
        raise ValueError("gqa_group_simd: some n_heads is not a multiple of its n_kv")
    return heads // kvs


def moe_valid(hidden: int, moe_d_ff: int, n_experts: int, top_k: int) -> bool:
    """MoE FFN rules: positive, top_k <= n_experts, active width top_k * moe_d_ff > hidden."""
    if min(hidden, moe_d_ff, n_experts, top_k) < 1:
        return False
    return top_k <= n_experts and top_k * moe_d_ff > hidden


# Real configs (the fields we read), written from the published config.json files.
KNOWN_CONFIGS: dict[str, dict[str, Any]] = {
    "qwen2.5-0.5b": {
        "model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864, "num_attention_heads": 14,
        "num_key_value_heads": 2, "num_hidden_layers": 24, "max_position_embeddings": 32768,
        "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "vocab_size": 151936,
    },
    "llama-3-8b": {
        "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32,
        "num_key_value_heads": 8, "num_hidden_layers": 32, "max_position_embeddings": 8192,
        "rope_theta": 500000.0, "rms_norm_eps": 1e-05, "vocab_size": 128256, "attention_bias": False,
    },
    "qwen3-30b-a3b": {
        "model_type": "qwen3_moe", "hidden_size": 2048, "intermediate_size": 6144, "moe_intermediate_size": 768,
        "num_attention_heads": 32, "num_key_value_heads": 4, "head_dim": 128, "num_hidden_layers": 48,
        "num_experts": 128, "num_experts_per_tok": 8, "max_position_embeddings": 40960,
        "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "vocab_size": 151936, "attention_bias": False,
    },
    "qwen3-next-80b-a3b": {
        "model_type": "qwen3_next", "hidden_size": 2048, "intermediate_size": 5120, "moe_intermediate_size": 512,
        "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 256, "num_hidden_layers": 48,
        "num_experts": 512, "num_experts_per_tok": 10, "full_attention_interval": 4,
        "max_position_embeddings": 262144, "rope_theta": 10000000.0, "rms_norm_eps": 1e-06,
        "vocab_size": 151936, "attention_bias": False,
    },
}

_INT_FIELDS = ("hidden", "n_heads", "n_kv", "head_dim", "d_ff", "n_layers", "vocab", "max_pos",
               "moe_d_ff", "n_experts", "top_k")


def known_config(model: str) -> ModelConfig:
    try:
        return from_hf_dict(KNOWN_CONFIGS[model])
    except KeyError:
        raise ValueError(f"unknown model {model!r}; known: {', '.join(KNOWN_CONFIGS)}") from None


def known_config_valid(model: str) -> bool:
    return not known_config(model).errors()


def known_config_int(model: str, field: str) -> int:
    config = known_config(model)
    if field == "kv_layers":
        return config.kv_layers
    if field not in _INT_FIELDS:
        raise ValueError(f"unknown int field {field!r}; known: kv_layers, {', '.join(_INT_FIELDS)}")
    return getattr(config, field)


def known_config_float(model: str, field: str) -> float:
    if field not in ("rope_theta", "eps"):
        raise ValueError(f"unknown float field {field!r}; known: rope_theta, eps")
    return getattr(known_config(model), field)
