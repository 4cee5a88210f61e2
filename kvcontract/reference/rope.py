"""Rotary position embedding (RoPE), rotate-half (GPT-NeoX / Hugging Face) pairing."""
from __future__ import annotations

import numpy as np

__all__ = ["rope_rotate"]


def rope_rotate(x: np.ndarray, pos, rope_theta: float = 10000.0) -> np.ndarray:
    """Rotate ``x[..., d]`` to position ``pos`` (an int, or positions broadcasting to ``x[..., 0]``).

    Dimension ``i < d/2`` is paired with ``i + d/2`` and turned by
    ``pos * rope_theta ** (-2i/d)``: position 0 is the identity, and the dot
    product of two rotated vectors depends only on their position difference.
    """
    x = np.asarray(x)
    d = x.shape[-1]
    if d % 2:
        raise ValueError(f"RoPE needs an even head dimension, got {d}")
    if not rope_theta > 0:
        raise ValueError(f"rope_theta must be > 0, got {rope_theta}")
    half = d // 2
    inv_freq = float(rope_theta) ** (-np.arange(half, dtype=np.float64) * 2.0 / d)
    angle = np.asarray(pos, dtype=np.float64)[..., None] * inv_freq
    cos, sin = np.cos(angle), np.sin(angle)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
