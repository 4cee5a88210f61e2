"""Bug zoo for model-config-algebra-v1: config validators that accept or reject the wrong models.

``_errors`` is the reference ``config_errors`` (``kvcontract.reference.model_config``)
with its rules as data; each validator mutant changes one rule (``# BUG:``) and
is bound as both ``config_errors`` and ``config_valid``, as a real validator
module would export both.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from kvcontract.reference.model_config import KNOWN_CONFIGS, from_hf_dict

__all__ = [
    "config_errors_no_gqa_divisibility", "config_valid_no_gqa_divisibility",
    "config_errors_ffn_not_strict", "config_valid_ffn_not_strict",
    "config_errors_eps_inclusive", "config_valid_eps_inclusive",
    "config_errors_odd_head_dim_ok", "config_valid_odd_head_dim_ok",
    "config_errors_vocab_unchecked", "config_valid_vocab_unchecked",
    "known_config_valid_textbook_head_dim",
    "moe_valid_expert_width",
    "default_head_dim_ceil",
    "gqa_group_simd_unchecked",
]

Rule = Callable[[dict], bool]  # True when the config breaks the rule

_REFERENCE_RULES: dict[str, Rule] = {
    "kv_le_heads": lambda c: c["n_kv"] >= 1 and c["n_heads"] >= 1 and c["n_kv"] > c["n_heads"],
    "gqa_divisibility": lambda c: c["n_kv"] >= 1 and c["n_heads"] >= 1 and c["n_heads"] % c["n_kv"] != 0,
    "rope_even_head_dim": lambda c: c["head_dim"] % 2 != 0,
    "ffn_expansion": lambda c: c["d_ff"] <= c["hidden"],
    "rope_theta": lambda c: not (math.isfinite(c["rope_theta"]) and c["rope_theta"] > 0),
    "rms_norm_eps": lambda c: not (0 < c["eps"] < 0.1),
}
_INTS = ("hidden", "n_heads", "n_kv", "head_dim", "d_ff", "n_layers", "vocab", "max_pos")


def _errors(rules: dict[str, Rule], positive: tuple[str, ...], hidden: int, n_heads: int, n_kv: int, head_dim: int, d_ff: int,
            n_layers: int, vocab: int, max_pos: int, rope_theta: float, eps: float) -> list[str]:
    config = dict(hidden=hidden, n_heads=n_heads, n_kv=n_kv, head_dim=head_dim, d_ff=d_ff, n_layers=n_layers,
                  vocab=vocab, max_pos=max_pos, rope_theta=rope_theta, eps=eps)
    errors = [f"positive:{name}" for name in positive if config[name] < 1]
    errors.extend(name for name, broken in rules.items() if broken(config))
    return errors


def _validator(rules: dict[str, Rule], doc: str,
               positive: tuple[str, ...] = _INTS) -> tuple[Callable[..., list[str]], Callable[..., bool]]:
    def config_errors(hidden: int, n_heads: int, n_kv: int, head_dim: int, d_ff: int, n_layers: int,
                      vocab: int, max_pos: int, rope_theta: float, eps: float) -> list[str]:
        return _errors(rules, positive, hidden, n_heads, n_kv, head_dim, d_ff, n_layers, vocab, max_pos, rope_theta, eps)

    def config_valid(hidden: int, n_heads: int, n_kv: int, head_dim: int, d_ff: int, n_layers: int,
                     vocab: int, max_pos: int, rope_theta: float, eps: float) -> bool:
        return not config_errors(hidden, n_heads, n_kv, head_dim, d_ff, n_layers, vocab, max_pos, rope_theta, eps)

    config_errors.__doc__ = config_valid.__doc__ = doc
    return config_errors, config_valid


config_errors_no_gqa_divisibility, config_valid_no_gqa_divisibility = _validator(
    {k: v for k, v in _REFERENCE_RULES.items() if k != "gqa_divisibility"},  # BUG: rule dropped
    "Accepts n_heads not a multiple of n_kv: a GQA group would be fractional.")

config_errors_ffn_not_strict, config_valid_ffn_not_strict = _validator(
    {**_REFERENCE_RULES, "ffn_expansion": lambda c: c["d_ff"] < c["hidden"]},  # BUG: < instead of <=
    "Accepts d_ff == hidden: an FFN without expansion.")

config_errors_eps_inclusive, config_valid_eps_inclusive = _validator(
    {**_REFERENCE_RULES, "rms_norm_eps": lambda c: not (0 < c["eps"] <= 0.1)},  # BUG: <= 0.1
    "Accepts rms_norm_eps == 0.1, the excluded end of (0, 0.1).")

config_errors_vocab_unchecked, config_valid_vocab_unchecked = _validator(
    _REFERENCE_RULES, "Accepts vocab_size 0 (a headless export): the positivity rule misses one field.",
    positive=tuple(name for name in _INTS if name != "vocab"))  # BUG: vocab left out of the positive fields

config_errors_odd_head_dim_ok, config_valid_odd_head_dim_ok = _validator(
    {k: v for k, v in _REFERENCE_RULES.items() if k != "rope_even_head_dim"},  # BUG: rule dropped
    "Accepts an odd head_dim, which RoPE cannot pair.")


def known_config_valid_textbook_head_dim(model: str) -> bool:
    """Also demands hidden == n_heads * head_dim (the textbook rule): rejects Qwen3-30B-A3B and Qwen3-Next."""
    try:
        config = from_hf_dict(KNOWN_CONFIGS[model])
    except KeyError:
        raise ValueError(f"unknown model {model!r}; known: {', '.join(KNOWN_CONFIGS)}") from None
    textbook = config.hidden == config.n_heads * config.head_dim  # BUG: not a rule real models follow
    return not config.errors() and textbook


def moe_valid_expert_width(hidden: int, moe_d_ff: int, n_experts: int, top_k: int) -> bool:
    """Demands each expert be wider than hidden, instead of the active width top_k * moe_d_ff."""
    if min(hidden, moe_d_ff, n_experts, top_k) < 1:
        return False
    return top_k <= n_experts and moe_d_ff > hidden  # BUG: moe_d_ff instead of top_k * moe_d_ff


def default_head_dim_ceil(hidden: int, n_heads: int) -> int:
    """Rounds hidden / n_heads up instead of Hugging Face's floor division."""
    if n_heads < 1:
        raise ValueError(f"n_heads must be >= 1, got {n_heads}")
    return -(-hidden // n_heads)  # BUG: ceil, not floor


def gqa_group_simd_unchecked(n_heads_list, n_kv_list) -> np.ndarray:
    """The vectorised path skips the divisibility check the scalar path does: ragged groups are floored."""
    heads, kvs = np.broadcast_arrays(np.asarray(n_heads_list, dtype=np.int64), np.asarray(n_kv_list, dtype=np.int64))
    if heads.size and (heads.min() < 1 or kvs.min() < 1):
        raise ValueError("gqa_group_simd: every n_heads and n_kv must be >= 1")
    return heads // kvs  # BUG: the `np.any(heads % kvs)` rejection is missing

