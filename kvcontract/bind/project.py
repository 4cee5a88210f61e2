"""The project a run belongs to: its root and its ``[tool.kvcontract]`` settings.

The root is the nearest ancestor holding ``pyproject.toml`` (else ``.git``);
binding targets are imported relative to it, and the default binding file is
``<root>/harnesses/reference.yaml``.  ``[tool.kvcontract]`` may set
``contracts``, ``bindings`` and ``report_dir`` (paths relative to the root).
Python 3.10 has no ``tomllib``: ``tomli`` is used when installed, else a
minimal reader that understands only ``key = "string"`` and
``key = ["a", "b"]`` inside the ``[tool.kvcontract]`` table.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

__all__ = ["ProjectConfig", "find_project_root", "load_project_config", "DEFAULT_BINDING"]

DEFAULT_BINDING = os.path.join("harnesses", "reference.yaml")


@dataclass(frozen=True)
class ProjectConfig:
    root: str
    contracts: tuple[str, ...] = ()
    bindings: tuple[str, ...] = ()
    report_dir: str | None = None

    def default_bindings(self) -> list[str]:
        """Configured binding files, else ``harnesses/reference.yaml`` if it exists."""
        if self.bindings:
            return [os.path.join(self.root, b) for b in self.bindings]
        default = os.path.join(self.root, DEFAULT_BINDING)
        return [default] if os.path.isfile(default) else []


def find_project_root(start: str) -> str:
    """Nearest ancestor of ``start`` with ``pyproject.toml`` (or ``.git``); else ``start`` (or its parent
    when ``start`` is a ``contracts`` directory)."""
    start = os.path.abspath(start)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    for marker in ("pyproject.toml", ".git"):
        here = start
        while True:
            if os.path.exists(os.path.join(here, marker)):
                return here
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    # No marker: a contracts/ directory's parent is the project (harnesses/ sits next to it).
    return os.path.dirname(start) if os.path.basename(start) == "contracts" else start


def _parse_toml(text: str) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef]
        except ModuleNotFoundError:
            return {"tool": {"kvcontract": _minimal_kvcontract_table(text)}}
    return tomllib.loads(text)


_STRING = r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\''


def _minimal_kvcontract_table(text: str) -> dict:
    """``[tool.kvcontract]`` string and string-list values, without a TOML library."""
    table: dict = {}
    inside = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if '"' not in raw and "'" not in raw else raw.strip()
        if line.startswith("["):
            inside = line.replace(" ", "") == "[tool.kvcontract]"
            continue
        if not inside or "=" not in line:
            continue
        key, _, value = line.partition("=")
        strings = [a or b for a, b in re.findall(_STRING, value)]
        table[key.strip()] = strings if value.strip().startswith("[") else (strings[0] if strings else None)
    return table


def load_project_config(start: str) -> ProjectConfig:
    """The project containing ``start``; bad TOML is ignored only if the table is absent."""
    root = find_project_root(start)
    path = os.path.join(root, "pyproject.toml")
    table: dict = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if "kvcontract" in text:
            table = _parse_toml(text).get("tool", {}).get("kvcontract", {}) or {}

    def as_tuple(value) -> tuple[str, ...]:
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(str(v) for v in value)

    report_dir = table.get("report_dir")
    return ProjectConfig(
        root=root,
        contracts=as_tuple(table.get("contracts")),
        bindings=as_tuple(table.get("bindings")),
        report_dir=os.path.join(root, report_dir) if report_dir else None,
    )
