"""The builtin table matches the format reference and its arity checks."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from kvcontract.expr.builtins import BUILTINS, DTYPE_SIZES, check_arity, is_builtin

FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "contract-format.md"


def test_every_builtin_the_format_reference_lists_is_in_the_table():
    text = FORMAT_DOC.read_text(encoding="utf-8")
    paragraph = text[text.index("Builtins:"):]
    documented = set(re.findall(r"`([a-z_0-9]+)\(?", paragraph))
    assert documented, "the Builtins paragraph moved"
    assert documented - set(BUILTINS) == set()


def test_dtype_sizes():
    assert dict(DTYPE_SIZES) == {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}
    assert BUILTINS["sizeof"].impl("bf16") == 2
    with pytest.raises(ValueError, match="known: f16, bf16"):
        BUILTINS["sizeof"].impl("int4")


@pytest.mark.parametrize("name,n_args,keywords,ok", [
    ("abs", 1, (), True), ("abs", 2, (), False), ("min", 1, (), True), ("min", 5, (), True), ("min", 0, (), False),
    ("zeros", 2, (), True), ("zeros", 3, (), False), ("allclose", 2, ("atol", "rtol"), True),
    ("allclose", 2, ("tol",), False), ("allclose", 4, ("atol",), False), ("raises", 2, (), True),
    ("raises", 3, (), False), ("range", 3, (), True), ("len", 1, ("x",), False),
])
def test_check_arity(name, n_args, keywords, ok):
    assert (check_arity(BUILTINS[name], n_args, keywords) is None) == ok


def test_lazy_and_generator_flags():
    assert BUILTINS["raises"].lazy and BUILTINS["raises"].impl is None
    assert all(b.impl is not None for b in BUILTINS.values() if not b.lazy)
    assert {name for name, b in BUILTINS.items() if b.accepts_generator} == {"min", "max", "sum", "count", "all", "any"}
    assert is_builtin("ceil_div") and not is_builtin("kv_bytes")


def test_array_builtins():
    zeros = BUILTINS["zeros"].impl
    assert zeros(2, 3).shape == (2, 3) and zeros(2, 3).dtype == np.float64
    grown = BUILTINS["append"].impl(np.zeros((2, 3)), np.ones(3))
    assert grown.shape == (3, 3) and grown[2].tolist() == [1.0, 1.0, 1.0]
    assert BUILTINS["append"].impl(np.zeros(2), 5.0).tolist() == [0.0, 0.0, 5.0]
    assert BUILTINS["isfinite"].impl(np.array([1.0, np.inf])) is False
    assert BUILTINS["norm"].impl(np.zeros(0)) == 0.0
    with pytest.raises(ValueError, match="negative"):
        zeros(-1)
