"""Hypothesis state machine for the KV cache lifecycle (kv-cache-semantics-v1).

``make_machine(symbols)`` builds a RuleBasedStateMachine whose rules drive the
*bound* cache symbols (``cache_new``, ``cache_prefill``, ``cache_decode``,
``cache_finish``, ``cache_read``, ``cache_length``, ``cache_active``,
``cache_footprint``) and whose invariants compare them, after every step, with
a plain-Python model of the seed's semantics:

* prefill sets a sequence's length to its prompt length;
* a decode step appends exactly one token to every active sequence and none to
  finished ones (ragged lengths);
* history is append-only and in temporal order (every read equals the model),
  and editing what a read returned never changes the cache;
* layers are isolated (each layer reads back exactly its own writes);
* the footprint is Σ_seq L × len × 2 × n_kv × d_k × sizeof(dtype);
* misuse (decode before prefill, decoding a finished sequence, a step missing
  an active sequence or carrying two tokens, a second prefill, an empty
  prompt, a bad layer) raises and changes nothing.

Written values are small integers, exact in every storage dtype, and distinct
per token, layer and element, so a swapped layer or reordered step shows.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

__all__ = ["REQUIRED_SYMBOLS", "make_machine", "CacheMachine"]

REQUIRED_SYMBOLS = ("cache_new", "cache_prefill", "cache_decode", "cache_finish", "cache_read",
                    "cache_length", "cache_active", "cache_footprint")

# The machine's own sizeof table: it must not trust the implementation under test.
_SIZEOF = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "int8": 1, "fp8": 1}
_MAX_SEQUENCES = 4


def make_machine(symbols: Mapping[str, Callable[..., Any]], *,
                 misuse_errors: tuple[type[BaseException], ...] = (Exception,)) -> type[RuleBasedStateMachine]:
    """A state machine class over the given bindings (symbol name → callable or ImplFn)."""
    missing = [name for name in REQUIRED_SYMBOLS if name not in symbols]
    if missing:
        raise ValueError(f"cache_lifecycle needs bindings for {', '.join(missing)}")
    # Accept plain callables or the engine's ImplFn wrappers (their ``fn``).
    sym = {name: getattr(value, "fn", value) for name, value in symbols.items()}

    class CacheLifecycleMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.cache: Any = None
            self.model: dict[int, list[list[tuple[np.ndarray, np.ndarray]]]] = {}  # seq -> layer -> rows
            self.finished: set[int] = set()
            self.token_counter = 0

        # ---- helpers ----------------------------------------------------------------
        def _token(self) -> tuple[np.ndarray, np.ndarray]:
            """K and V of one token for every layer: [L, n_kv, d_k], distinct integers."""
            t = self.token_counter
            self.token_counter += 1
            shape = (self.n_layers, self.n_kv, self.d_k)
            index = np.arange(int(np.prod(shape))).reshape(shape)
            layer = np.arange(self.n_layers).reshape(-1, 1, 1)
            keys = ((t * 37 + layer * 11 + index) % 997).astype(np.float64)
            return keys, -keys - 1.0

        def _active(self) -> list[int]:
            return sorted(seq for seq in self.model if seq not in self.finished)

        def _expect_rejected(self, action: Callable[[], Any], what: str) -> None:
            try:
                action()
            except misuse_errors:
                return  # the invariants then check that nothing changed
            raise AssertionError(f"{what} was accepted; it must raise")

        # ---- rules --------------------------------------------------------------------
        @initialize(n_layers=st.integers(1, 3), n_kv=st.integers(1, 2), d_k=st.integers(1, 3),
                    dtype=st.sampled_from(sorted(_SIZEOF)))
        def new_cache(self, n_layers: int, n_kv: int, d_k: int, dtype: str) -> None:
            self.n_layers, self.n_kv, self.d_k, self.dtype = n_layers, n_kv, d_k, dtype
            self.cache = sym["cache_new"](n_layers, n_kv, d_k, dtype)

        @precondition(lambda self: len(self.model) < _MAX_SEQUENCES)
        @rule(prompt_len=st.integers(1, 4))
        def prefill(self, prompt_len: int) -> None:
            seq = len(self.model)
            rows = [self._token() for _ in range(prompt_len)]
            keys = np.stack([k for k, _ in rows], axis=1)  # [L, T, n_kv, d_k]
            values = np.stack([v for _, v in rows], axis=1)
            sym["cache_prefill"](self.cache, seq, keys, values)
            self.model[seq] = [[(k[layer], v[layer]) for k, v in rows] for layer in range(self.n_layers)]

        @precondition(lambda self: bool(self._active()))
        @rule()
        def decode(self) -> None:
            step = {seq: self._token() for seq in self._active()}
            sym["cache_decode"](self.cache, {s: kv[0] for s, kv in step.items()}, {s: kv[1] for s, kv in step.items()})
            for seq, (k, v) in step.items():
                for layer in range(self.n_layers):
                    self.model[seq][layer].append((k[layer], v[layer]))

        @precondition(lambda self: bool(self._active()))
        @rule(pick=st.integers(0, _MAX_SEQUENCES - 1))
        def finish(self, pick: int) -> None:
            active = self._active()
            seq = active[pick % len(active)]
            sym["cache_finish"](self.cache, seq)
            self.finished.add(seq)

        @precondition(lambda self: bool(self.model))
        @rule(pick=st.integers(0, _MAX_SEQUENCES - 1), layer_pick=st.integers(0, 2))
        def edit_what_was_read(self, pick: int, layer_pick: int) -> None:
            """A caller editing a read in place (an in-place RoPE, a scale) must not reach the cache."""
            seqs = sorted(self.model)
            keys, values = sym["cache_read"](self.cache, seqs[pick % len(seqs)], layer_pick % self.n_layers)
            for array in (keys, values):
                if isinstance(array, np.ndarray) and array.flags.writeable:  # read-only views are fine too
                    array += 1000.0

        # ---- misuse: each must raise and leave the cache unchanged ----------------------
        @precondition(lambda self: not self.model)
        @rule()
        def decode_before_prefill(self) -> None:
            k, v = self._token()
            self._expect_rejected(lambda: sym["cache_decode"](self.cache, {0: k}, {0: v}), "decode before prefill")

        @precondition(lambda self: bool(self.finished))
        @rule(pick=st.integers(0, _MAX_SEQUENCES - 1))
        def decode_finished(self, pick: int) -> None:
            finished = sorted(self.finished)
            targets = self._active() + [finished[pick % len(finished)]]
            step = {seq: self._token() for seq in targets}
            self._expect_rejected(lambda: sym["cache_decode"](
                self.cache, {s: kv[0] for s, kv in step.items()}, {s: kv[1] for s, kv in step.items()}),
                "decoding a finished sequence")

        @precondition(lambda self: len(self._active()) >= 2)
        @rule(pick=st.integers(0, _MAX_SEQUENCES - 1))
        def decode_missing_sequence(self, pick: int) -> None:
            active = self._active()
            skipped = active[pick % len(active)]
            step = {seq: self._token() for seq in active if seq != skipped}
            self._expect_rejected(lambda: sym["cache_decode"](
                self.cache, {s: kv[0] for s, kv in step.items()}, {s: kv[1] for s, kv in step.items()}),
                f"a decode step without active sequence {skipped}")

        @precondition(lambda self: bool(self._active()))
        @rule()
        def decode_two_tokens(self) -> None:
            step = {}
            for seq in self._active():
                (k1, v1), (k2, v2) = self._token(), self._token()
                step[seq] = (np.stack([k1, k2], axis=1), np.stack([v1, v2], axis=1))
            self._expect_rejected(lambda: sym["cache_decode"](
                self.cache, {s: kv[0] for s, kv in step.items()}, {s: kv[1] for s, kv in step.items()}),
                "a decode step with two tokens per sequence")

        @precondition(lambda self: bool(self.model))
        @rule(pick=st.integers(0, _MAX_SEQUENCES - 1))
        def prefill_again(self, pick: int) -> None:
            seqs = sorted(self.model)
            seq = seqs[pick % len(seqs)]
            k, v = self._token()
            self._expect_rejected(lambda: sym["cache_prefill"](self.cache, seq, k[:, None], v[:, None]),
                                  f"a second prefill of sequence {seq}")

        @precondition(lambda self: self.cache is not None)
        @rule()
        def prefill_empty(self) -> None:
            empty = np.zeros((self.n_layers, 0, self.n_kv, self.d_k))
            self._expect_rejected(lambda: sym["cache_prefill"](self.cache, _MAX_SEQUENCES + 1, empty, empty),
                                  "an empty prompt")

        @precondition(lambda self: bool(self.model))
        @rule(below=st.booleans())
        def read_bad_layer(self, below: bool) -> None:
            layer = -1 if below else self.n_layers
            seq = sorted(self.model)[0]
            self._expect_rejected(lambda: sym["cache_read"](self.cache, seq, layer), f"reading layer {layer}")

        # ---- invariants -------------------------------------------------------------------
        @invariant()
        def history_matches_model(self) -> None:
            if self.cache is None:
                return
            for seq, layers in self.model.items():
                length = len(layers[0])
                got_length = sym["cache_length"](self.cache, seq)
                assert got_length == length, f"sequence {seq}: length {got_length}, expected {length}"
                for layer, rows in enumerate(layers):
                    keys, values = sym["cache_read"](self.cache, seq, layer)
                    want_k = np.stack([k for k, _ in rows])
                    want_v = np.stack([v for _, v in rows])
                    assert np.shape(keys) == want_k.shape, \
                        f"sequence {seq} layer {layer}: keys shape {np.shape(keys)}, expected {want_k.shape}"
                    assert np.array_equal(np.asarray(keys, dtype=np.float64), want_k), \
                        f"sequence {seq} layer {layer}: keys differ from what was written (order/isolation)"
                    assert np.shape(values) == want_v.shape and \
                        np.array_equal(np.asarray(values, dtype=np.float64), want_v), \
                        f"sequence {seq} layer {layer}: values differ from what was written"

        @invariant()
        def active_set_matches(self) -> None:
            if self.cache is not None:
                got = sorted(sym["cache_active"](self.cache))
                assert got == self._active(), f"active sequences {got}, expected {self._active()}"

        @invariant()
        def footprint_matches_formula(self) -> None:
            if self.cache is None:
                return
            per_token = self.n_layers * 2 * self.n_kv * self.d_k * _SIZEOF[self.dtype]
            expected = sum(len(layers[0]) for layers in self.model.values()) * per_token
            got = sym["cache_footprint"](self.cache)
            assert got == expected, f"footprint {got} bytes, expected {expected}"

    CacheLifecycleMachine.__name__ = CacheLifecycleMachine.__qualname__ = "CacheLifecycleMachine"
    return CacheLifecycleMachine


def _reference_symbols() -> dict[str, Callable[..., Any]]:
    from kvcontract.reference import cache

    return {name: getattr(cache, name) for name in REQUIRED_SYMBOLS}


# The machine over the reference bindings, for ``state_machine: "harnesses.cache_machine:CacheMachine"``.
CacheMachine = make_machine(_reference_symbols())
