"""Bug zoo for kv-cache-precision-v1: the quantiser, the precision mapper and the byte accounting.

``_quantize`` is the reference ``kvcontract.reference.quant.quantize`` with
its scale denominator and its rounding function as the only two knobs; each
quantiser mutant turns exactly one of them (``# BUG:``) and binds every
symbol that reads the quantiser, so the implementation stays self-consistent
(its ``quant_step`` reports its own stored scale) and only the bug differs.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from kvcontract.reference.quant import (
    BIT_LEVELS,
    MixedPrecisionBuffer,
    F16_MAX,
    FULL_BITS,
    GroupQuantized,
    _check_bits,
    _f16_down,
    _f16_up,
    assigned_bits,
    dequantize,
    precision_lower_bound,
)

__all__ = [
    "quantize_dequantize_scale_pow2", "quant_codes_scale_pow2", "quant_step_scale_pow2",
    "quantize_dequantize_truncate", "quant_codes_truncate", "quant_step_truncate",
    "position_bits_no_recency",
    "assigned_bits_floor_bound",
    "storage_bytes_no_overhead",
    "compression_ratio_no_overhead",
    "quantize_dequantize_signed_levels", "quant_codes_signed_levels", "quant_step_signed_levels",
    "quantize_dequantize_int8_codes", "quant_codes_int8_codes", "quant_step_int8_codes",
    "assigned_bits_overflow_to_smallest",
    "buffer_bytes_f32_full_rows",
]


def _quantize(x: np.ndarray, bits: int, group_size: int, *, levels: int,
              rounding: Callable[[np.ndarray], np.ndarray], top: int | None = None) -> GroupQuantized:
    """The reference quantiser with the scale denominator, the rounding and the largest code passed in."""
    _check_bits(bits)
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"cannot quantise an array of shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > F16_MAX:
        raise ValueError(f"quantiser input must be finite with |x| <= {F16_MAX}")
    top = 2 ** bits - 1 if top is None else top  # the largest code the storage type holds
    n = x.shape[-1]
    codes = np.empty(x.shape, dtype=np.uint8)
    scales, zeros = [], []
    for start in range(0, n, group_size):
        group = x[..., start:start + group_size]
        zero = _f16_down(group.min(axis=-1))
        scale = _f16_up((group.max(axis=-1) - zero.astype(np.float64)) / levels)
        zero64, scale64 = zero.astype(np.float64)[..., None], scale.astype(np.float64)[..., None]
        safe = np.where(scale64 > 0, scale64, 1.0)
        raw = np.where(scale64 > 0, rounding((group - zero64) / safe), 0.0)
        codes[..., start:start + group_size] = np.clip(raw, 0, top).astype(np.uint8)
        scales.append(scale)
        zeros.append(zero)
    return GroupQuantized(codes, np.stack(scales, axis=-1), np.stack(zeros, axis=-1), bits, group_size)


# -- scale (max - min) / 2^b instead of / (2^b - 1): the top code clips, the error bound breaks --

def _pow2(x: np.ndarray, bits: int, group_size: int) -> GroupQuantized:
    return _quantize(x, bits, group_size, levels=2 ** bits, rounding=np.rint)  # BUG: 2^b, not 2^b - 1


def quantize_dequantize_scale_pow2(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """Round trip through a quantiser whose scale divides by 2^b levels."""
    return dequantize(_pow2(x, bits, group_size))


def quant_codes_scale_pow2(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """The codes of the same quantiser (``quant_codes``)."""
    return _pow2(x, bits, group_size).codes.astype(np.float64)


def quant_step_scale_pow2(x: np.ndarray, bits: int, group_size: int) -> float:
    """The largest scale the same quantiser stores (``quant_step``)."""
    return float(np.max(_pow2(x, bits, group_size).scale.astype(np.float64)))


# -- truncation instead of round-to-nearest: errors up to a whole step ---------------------------

def _truncate(x: np.ndarray, bits: int, group_size: int) -> GroupQuantized:
    return _quantize(x, bits, group_size, levels=2 ** bits - 1, rounding=np.floor)  # BUG: floor, not rint


def quantize_dequantize_truncate(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """Round trip through a quantiser that truncates codes (the C cast ``(uint8_t)(v / scale)``)."""
    return dequantize(_truncate(x, bits, group_size))


def quant_codes_truncate(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """The codes of the same quantiser (``quant_codes``)."""
    return _truncate(x, bits, group_size).codes.astype(np.float64)


def quant_step_truncate(x: np.ndarray, bits: int, group_size: int) -> float:
    """The largest scale the same quantiser stores (``quant_step``)."""
    return float(np.max(_truncate(x, bits, group_size).scale.astype(np.float64)))


# -- the signed-code scale 2^(b-1) - 1 reused in the asymmetric quantiser: scales inflated ------

def _signed_levels(x: np.ndarray, bits: int, group_size: int) -> GroupQuantized:
    return _quantize(x, bits, group_size, levels=2 ** (bits - 1) - 1, rounding=np.rint)  # BUG: signed levels


def quantize_dequantize_signed_levels(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """Round trip through a quantiser whose scale uses the symmetric scheme's 2^(b-1) - 1 levels."""
    return dequantize(_signed_levels(x, bits, group_size))


def quant_codes_signed_levels(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """The codes of the same quantiser (``quant_codes``)."""
    return _signed_levels(x, bits, group_size).codes.astype(np.float64)


def quant_step_signed_levels(x: np.ndarray, bits: int, group_size: int) -> float:
    """The largest scale the same quantiser stores (``quant_step``)."""
    return float(np.max(_signed_levels(x, bits, group_size).scale.astype(np.float64)))


# -- 8-bit codes kept in an int8: everything above 127 saturates --------------------------------

def _int8_codes(x: np.ndarray, bits: int, group_size: int) -> GroupQuantized:
    top = 127 if bits == 8 else 2 ** bits - 1  # BUG: int8 storage for the 8-bit path (should be uint8, 255)
    return _quantize(x, bits, group_size, levels=2 ** bits - 1, rounding=np.rint, top=top)


def quantize_dequantize_int8_codes(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """Round trip where the 8-bit path saturates its codes at 127: the upper half of every group is lost."""
    return dequantize(_int8_codes(x, bits, group_size))


def quant_codes_int8_codes(x: np.ndarray, bits: int, group_size: int) -> np.ndarray:
    """The codes of the same quantiser (``quant_codes``)."""
    return _int8_codes(x, bits, group_size).codes.astype(np.float64)


def quant_step_int8_codes(x: np.ndarray, bits: int, group_size: int) -> float:
    """The largest scale the same quantiser stores (``quant_step``)."""
    return float(np.max(_int8_codes(x, bits, group_size).scale.astype(np.float64)))


# -- precision mapping -------------------------------------------------------------------------

def position_bits_no_recency(curvatures: Sequence[float], diameter: float, epsilon: float,
                             recent_window: int) -> list[int]:
    """The mapper drops the recency factor: recent positions get the bits of distant ones."""
    if recent_window < 0:
        raise ValueError(f"recent_window must be >= 0, got {recent_window}")
    T = len(curvatures)
    return [FULL_BITS if pos >= T - recent_window
            else assigned_bits(curvature, diameter, epsilon)  # BUG: curvature * recency_factor(T, pos)
            for pos, curvature in enumerate(curvatures)]


def assigned_bits_floor_bound(curvature: float, diameter: float, epsilon: float) -> int:
    """Compares levels with the bound rounded down: a bound of 4.3 bits gets 4."""
    bound = math.floor(precision_lower_bound(curvature, diameter, epsilon))  # BUG: floor of a lower bound
    for bits in BIT_LEVELS:
        if bits >= bound:
            return bits
    return FULL_BITS


def assigned_bits_overflow_to_smallest(curvature: float, diameter: float, epsilon: float) -> int:
    """When no level meets the bound the loop falls through to the first level, not to full precision."""
    bound = precision_lower_bound(curvature, diameter, epsilon)
    for bits in BIT_LEVELS:
        if bits >= bound:
            return bits
    return BIT_LEVELS[0]  # BUG: should be FULL_BITS, the ceiling


# -- byte accounting ---------------------------------------------------------------------------

def _row_bytes_no_overhead(bits: int, width: int, group_size: int) -> int:
    _check_bits(bits, BIT_LEVELS)
    if bits == FULL_BITS:
        return 2 * width
    return -(-width * bits // 8)  # BUG: + GROUP_OVERHEAD_BYTES * ceil_div(width, group_size) forgotten


def storage_bytes_no_overhead(bits_list: Sequence[int], width: int, group_size: int) -> int:
    """Counts packed codes only: the f16 scale and zero of every group are free."""
    if width < 1 or group_size < 1:
        raise ValueError(f"width and group_size must be >= 1, got {width}, {group_size}")
    return sum(_row_bytes_no_overhead(bits, width, group_size) for bits in bits_list)


def compression_ratio_no_overhead(bits_list: Sequence[int], width: int, group_size: int) -> float:
    """The advertised ratio: f16 bytes over code bytes, scale and zero overhead forgotten."""
    stored = storage_bytes_no_overhead(bits_list, width, group_size)
    return 1.0 if stored == 0 else len(bits_list) * width * 2 / stored



class _F32FullRowsBuffer(MixedPrecisionBuffer):
    """Full-precision rows kept as float32 instead of f16: twice the bytes the accounting promises."""

    def append(self, row: np.ndarray, bits: int) -> None:
        if bits == FULL_BITS:
            row = np.asarray(row, dtype=np.float64)
            if row.shape != (self.width,):
                raise ValueError(f"row of shape {row.shape}, expected ({self.width},)")
            self._rows.append((bits, (row.astype(np.float32),)))  # BUG: float32, not float16
            return
        super().append(row, bits)


def buffer_bytes_f32_full_rows(X: np.ndarray, bits_list: Sequence[int], group_size: int) -> int:
    """Bytes held by a buffer that stores its 16-bit rows as float32."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be [T, width], got shape {X.shape}")
    buffer = _F32FullRowsBuffer(X.shape[1], group_size)
    for t, row in enumerate(X):
        buffer.append(row, bits_list[t % len(bits_list)] if bits_list else FULL_BITS)
    return buffer.nbytes()
