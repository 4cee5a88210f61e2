"""Pin the literal constants Hypothesis mixes into generated inputs to the implementation under test.

Hypothesis (6.1xx+) draws, now and then, a literal constant harvested from
every *local* module loaded in the process (``if S > 4096`` in an
implementation makes 4096 likely: good at finding thresholds).  But the set
grows with whatever happens to be imported, so the same seed could give a
different counterexample under ``-j 2`` than under ``-j 1``, or in a
reproduce command than in the full run.  Before each Hypothesis run we pin the
set to the constants of the modules that implement the check's bound symbols:
deterministic for a given binding, and still aimed at the code under test.

This touches Hypothesis internals; when they are not there (another version),
pinning is skipped and only reproducibility across differently-composed runs
is lost, never soundness.
"""
from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, Iterable

from ..expr.scope import ImplFn, Scope

__all__ = ["pin_local_constants", "pin_for_scope", "implementation_modules"]

_CACHE: dict[tuple[str, str], Any] = {}


def implementation_modules(scope: Scope, extra: Iterable[Any] = ()) -> list[ModuleType]:
    """Modules that define the scope's bound callables (and ``extra`` objects), sorted by name."""
    names = {fn.target.partition(":")[0] for fn in scope.functions.values() if isinstance(fn, ImplFn) and fn.target}
    names.update(getattr(obj, "__module__", None) or "" for obj in extra)
    return [sys.modules[n] for n in sorted(names) if n and n in sys.modules]


def pin_local_constants(modules: Iterable[ModuleType]) -> bool:
    """Make Hypothesis' local constants exactly those of ``modules``; False if unsupported."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants, constants_from_module
        from hypothesis.internal.floats import float_to_int
        from sortedcontainers import SortedSet
    except ImportError:
        return False
    if not hasattr(providers, "_get_local_constants") or not hasattr(providers, "CONSTANTS_CACHE"):
        return False
    pinned = Constants(integers=SortedSet(), floats=SortedSet(key=float_to_int), bytes=SortedSet(),
                       strings=SortedSet())
    for module in modules:
        key = (module.__name__, str(getattr(module, "__file__", "")))
        if key not in _CACHE:
            try:
                _CACHE[key] = constants_from_module(module)
            except Exception:  # noqa: BLE001 - a module without source contributes nothing
                _CACHE[key] = None
        found = _CACHE[key]
        if found is not None:
            for kind in ("integers", "floats", "bytes", "strings"):
                getattr(pinned, kind).update(getattr(found, kind))
    providers._get_local_constants = lambda: pinned  # type: ignore[attr-defined]
    providers.CONSTANTS_CACHE.cache.clear()
    return True


def pin_for_scope(scope: Scope, extra: Iterable[Any] = ()) -> bool:
    return pin_local_constants(implementation_modules(scope, extra))
