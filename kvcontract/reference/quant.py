"""KV quantisation and precision mapping (seed 004), plus the fused 4-bit matvec.

* Per-group asymmetric round-to-nearest along the last axis at 2, 4 or 8 bits.
  Scale and zero point are *stored as f16* (4 bytes per group, counted in
  every size and ratio): the zero point is ``min`` rounded down to f16 and the
  scale ``(max - zero) / (2^bits - 1)`` rounded up to f16, so every code lies
  in ``[0, 2^bits - 1]`` and the round-trip error is at most ``scale / 2``.
  Inputs must be finite with ``|x| <= 65504`` (the f16 range of the cache).
* A mixed-precision buffer stores each position at its own bits (16 = kept in
  f16, no scale or zero); codes are bit-packed, so its bytes are real.
* The precision mapper implements ``p >= log2(c * kappa * D^2 / eps)``,
  ``c = 4.0``, with the seed's recency factor and a recent window at 16 bits.

The module-level functions are the symbols of kv-cache-precision-v1 and the
fused-kernel symbols of kv-cache-equivalence-v1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = [
    "QUANT_BITS", "FULL_BITS", "BIT_LEVELS", "C_HNF", "GROUP_OVERHEAD_BYTES", "F16_MAX",
    "GroupQuantized", "quantize", "dequantize", "MixedPrecisionBuffer",
    "quantize_dequantize", "quant_codes", "quant_step",
    "precision_lower_bound", "assigned_bits", "recency_factor", "position_bits",
    "storage_bytes", "compression_ratio", "buffer_roundtrip", "buffer_bytes",
    "fused_q4_matvec", "dequant_matvec",
]

QUANT_BITS = (2, 4, 8)
FULL_BITS = 16
BIT_LEVELS = QUANT_BITS + (FULL_BITS,)
C_HNF = 4.0  # the explicit constant of HNF Theorem 5.7 as the seed states it
GROUP_OVERHEAD_BYTES = 4  # f16 scale + f16 zero point
F16_MAX = 65504.0
_F16_INF = np.float16(np.inf)


def _check_bits(bits: int, allowed: Sequence[int] = QUANT_BITS) -> None:
    if bits not in allowed:
        raise ValueError(f"bits must be one of {tuple(allowed)}, got {bits}")


def _f16_down(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    h = v.astype(np.float16)
    low = h.astype(np.float64) > v
    h[low] = np.nextafter(h[low], -_F16_INF)
    return h


def _f16_up(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    h = v.astype(np.float16)
    high = h.astype(np.float64) < v
    h[high] = np.nextafter(h[high], _F16_INF)
    return h


@dataclass(frozen=True)
class GroupQuantized:
    codes: np.ndarray  # uint8, the input's shape
    scale: np.ndarray  # float16, [..., n_groups]
    zero: np.ndarray  # float16, [..., n_groups]
    bits: int
    group_size: int


def quantize(x: np.ndarray, bits: int, group_size: int) -> GroupQuantized:
    _check_bits(bits)
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"cannot quantise an array of shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > F16_MAX:
        raise ValueError(f"quantiser input must be finite with |x| <= {F16_MAX}")
    levels = 2 ** bits - 1
    n = x.shape[-1]
    codes = np.empty(x.shape, dtype=np.uint8)
    scales, zeros = [], []
    for start in range(0, n, group_size):
        group = x[..., start:start + group_size]
        zero = _f16_down(group.min(axis=-1))
        scale = _f16_up((group.max(axis=-1) - zero.astype(np.float64)) / levels)
        zero64, scale64 = zero.astype(np.float64)[..., None], scale.astype(np.float64)[..., None]
        safe = np.where(scale64 > 0, scale64, 1.0)  # a zero scale means every code is 0
        raw = np.where(scale64 > 0, np.rint((group - zero64) / safe), 0.0)
        codes[..., start:start + group_size] = np.clip(raw, 0, levels).astype(np.uint8)
        scales.append(scale)
        zeros.append(zero)
    return GroupQuantized(codes, np.stack(scales, axis=-1), np.stack(zeros, axis=-1), bits, group_size)


def _per_element(q: GroupQuantized, per_group: np.ndarray) -> np.ndarray:
    n = q.codes.shape[-1]
    return np.repeat(per_group.astype(np.float64), q.group_size, axis=-1)[..., :n]


def dequantize(q: GroupQuantized) -> np.ndarray:
    return _per_element(q, q.zero) + q.codes.astype(np.float64) * _per_element(q, q.scale)


def quantize_dequantize(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    return dequantize(quantize(x, bits, group_size))


def quant_codes(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    return quantize(x, bits, group_size).codes.astype(np.float64)


def quant_step(x: np.ndarray, bits: int, group_size: int) -> float:
    """The largest stored group scale: the round-trip error bound is half of it."""
    return float(np.max(quantize(x, bits, group_size).scale.astype(np.float64)))


# ---- precision mapping -------------------------------------------------------------------

def precision_lower_bound(curvature: float, diameter: float, epsilon: float) -> float:
    """``log2(c * curvature * diameter**2 / epsilon)``, summed as logs so it never overflows."""
    if not (curvature > 0 and diameter > 0 and epsilon > 0):
        raise ValueError(f"curvature, diameter and epsilon must be > 0, got {curvature}, {diameter}, {epsilon}")
    return math.log2(C_HNF) + math.log2(curvature) + 2 * math.log2(diameter) - math.log2(epsilon)


def assigned_bits(curvature: float, diameter: float, epsilon: float) -> int:
    """The smallest level of 2, 4, 8, 16 meeting the bound; 16 (full precision) is the ceiling."""
    bound = precision_lower_bound(curvature, diameter, epsilon)
    for bits in BIT_LEVELS:
        if bits >= bound:
            return bits
    return FULL_BITS


def recency_factor(T: int, pos: int) -> float:
    if not 0 <= pos < T:
        raise ValueError(f"need 0 <= pos < T, got pos={pos}, T={T}")
    return 1.0 + math.exp(-(T - pos - 1) / (T / 4.0))


def position_bits(curvatures: Sequence[float], diameter: float, epsilon: float, recent_window: int) -> list[int]:
    if recent_window < 0:
        raise ValueError(f"recent_window must be >= 0, got {recent_window}")
    T = len(curvatures)
    return [FULL_BITS if pos >= T - recent_window
            else assigned_bits(curvature * recency_factor(T, pos), diameter, epsilon)
            for pos, curvature in enumerate(curvatures)]


# ---- mixed-precision storage -------------------------------------------------------------

def _row_bytes(bits: int, width: int, group_size: int) -> int:
    _check_bits(bits, BIT_LEVELS)
    if bits == FULL_BITS:
        return 2 * width
    return -(-width * bits // 8) + GROUP_OVERHEAD_BYTES * -(-width // group_size)


def storage_bytes(bits_list: Sequence[int], width: int, group_size: int) -> int:
    if width < 1 or group_size < 1:
        raise ValueError(f"width and group_size must be >= 1, got {width}, {group_size}")
    return sum(_row_bytes(bits, width, group_size) for bits in bits_list)


def compression_ratio(bits_list: Sequence[int], width: int, group_size: int) -> float:
    """f16 bytes / stored bytes, overhead included (1.0 for no positions)."""
    stored = storage_bytes(bits_list, width, group_size)
    return 1.0 if stored == 0 else len(bits_list) * width * 2 / stored


def _pack(codes: np.ndarray, bits: int) -> np.ndarray:
    per_byte = 8 // bits
    padded = np.zeros(-(-codes.size // per_byte) * per_byte, dtype=np.uint8)
    padded[:codes.size] = codes
    lanes = padded.reshape(-1, per_byte).astype(np.uint16)
    return (lanes << (bits * np.arange(per_byte, dtype=np.uint16))).sum(axis=1).astype(np.uint8)


def _unpack(packed: np.ndarray, bits: int, n: int) -> np.ndarray:
    per_byte = 8 // bits
    shifts = bits * np.arange(per_byte, dtype=np.uint8)
    return ((packed[:, None] >> shifts) & (2 ** bits - 1)).astype(np.uint8).reshape(-1)[:n]


class MixedPrecisionBuffer:
    """Positions of ``width`` elements, each stored at its own precision."""

    def __init__(self, width: int, group_size: int) -> None:
        if width < 1 or group_size < 1:
            raise ValueError(f"width and group_size must be >= 1, got {width}, {group_size}")
        self.width, self.group_size = width, group_size
        self._rows: list[tuple[int, tuple[np.ndarray, ...]]] = []

    def append(self, row: np.ndarray, bits: int) -> None:
        _check_bits(bits, BIT_LEVELS)
        row = np.asarray(row, dtype=np.float64)
        if row.shape != (self.width,):
            raise ValueError(f"row of shape {row.shape}, expected ({self.width},)")
        if bits == FULL_BITS:
            self._rows.append((bits, (row.astype(np.float16),)))
        else:
            q = quantize(row, bits, self.group_size)
            self._rows.append((bits, (_pack(q.codes, bits), q.scale, q.zero)))

    def read(self, pos: int) -> np.ndarray:
        bits, parts = self._rows[pos]
        if bits == FULL_BITS:
            return parts[0].astype(np.float64)
        packed, scale, zero = parts
        return dequantize(GroupQuantized(_unpack(packed, bits, self.width), scale, zero, bits, self.group_size))

    def nbytes(self) -> int:
        return sum(part.nbytes for _, parts in self._rows for part in parts)

    def bits(self) -> list[int]:
        return [bits for bits, _ in self._rows]


def _fill_buffer(X: np.ndarray, bits_list: Sequence[int], group_size: int) -> MixedPrecisionBuffer:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be [T, width], got shape {X.shape}")
    buffer = MixedPrecisionBuffer(X.shape[1], group_size)
    for t, row in enumerate(X):
        buffer.append(row, bits_list[t % len(bits_list)] if bits_list else FULL_BITS)
    return buffer


def buffer_roundtrip(X: np.ndarray, bits_list: Sequence[int], group_size: int) -> np.ndarray:
    buffer = _fill_buffer(X, bits_list, group_size)
    rows = [buffer.read(t) for t in range(len(buffer.bits()))]
    return np.stack(rows) if rows else np.zeros(np.shape(X))


def buffer_bytes(X: np.ndarray, bits_list: Sequence[int], group_size: int) -> int:
    return _fill_buffer(X, bits_list, group_size).nbytes()


# ---- fused 4-bit matvec (kv-cache-equivalence-v1) ----------------------------------------

def fused_q4_matvec(W: np.ndarray, x: np.ndarray, group_size: int) -> np.ndarray:
    """``dequant(quant4(W)) @ x`` from codes, scales and zeros, never forming W:
    per group ``zero * sum(x_g) + scale * (codes_g @ x_g)``."""
    W, x = np.asarray(W, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if W.ndim != 2 or x.shape != (W.shape[1],):
        raise ValueError(f"fused_q4_matvec: W{W.shape} @ x{x.shape} is not a matrix-vector product")
    q = quantize(W, 4, group_size)
    out = np.zeros(W.shape[0])
    for g, start in enumerate(range(0, W.shape[1], group_size)):
        xg = x[start:start + group_size]
        codes = q.codes[:, start:start + group_size].astype(np.float64)
        out += q.zero[:, g].astype(np.float64) * xg.sum() + q.scale[:, g].astype(np.float64) * (codes @ xg)
    return out


def dequant_matvec(W: np.ndarray, x: np.ndarray, group_size: int) -> np.ndarray:
    W, x = np.asarray(W, dtype=np.float64), np.asarray(x, dtype=np.float64)
    if W.ndim != 2 or x.shape != (W.shape[1],):
        raise ValueError(f"dequant_matvec: W{W.shape} @ x{x.shape} is not a matrix-vector product")
    return dequantize(quantize(W, 4, group_size)) @ x
