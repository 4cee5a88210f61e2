"""Small helpers shared by the audit tests."""
from __future__ import annotations

import os

__all__ = ["write"]


def write(directory, name: str, text: str) -> str:
    path = os.path.join(str(directory), name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
