"""Paths as reports record them: relative to the working directory when under it.

Reports must be byte-for-byte the same for the same inputs and seed, whichever
directory the project was checked out to, so a path under the current working
directory is written relative to it; a path elsewhere (a shared binding file
in /etc, a template in the home directory) stays absolute, since a relative
``../../..`` form would depend on the checkout's depth just the same.
"""
from __future__ import annotations

import os
from typing import Any

__all__ = ["display_path", "display_paths"]


def display_path(path: str, *, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the working directory) when under it, else absolute."""
    if not path:
        return path
    base = os.path.abspath(cwd or os.getcwd())
    full = os.path.abspath(path)
    if full == base:
        return "."
    if full.startswith(base.rstrip(os.sep) + os.sep):
        return os.path.relpath(full, base).replace(os.sep, "/")
    return full


def display_paths(value: Any, *, cwd: str | None = None) -> Any:
    """``display_path`` over a path, a list of paths, or None (as option values are recorded)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [display_path(str(v), cwd=cwd) for v in value]
    return display_path(str(value), cwd=cwd)
