"""Source positions and diagnostics shared by every stage of the pipeline.

Every user-facing problem with a contract, a binding file or an expression is a
:class:`Diagnostic` with a code and a ``file:line:col`` position.  Stages collect
them and raise :class:`BadInput` once, so an author sees every error of a file
in one run, and the CLI turns them into exit code 2 without a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = [
    "SourcePos",
    "Diagnostic",
    "BadInput",
    "format_diagnostic",
    "format_diagnostics",
    "did_you_mean",
]


@dataclass(frozen=True, order=True)
class SourcePos:
    """A 1-based line and column in a file (``line == 0`` means unknown)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"

    def shifted(self, offset: int) -> "SourcePos":
        """The position ``offset`` characters further along the same line.

        Used to place an error inside an expression string that starts at this
        position (single-line YAML scalars; block scalars are located by their
        own line table in the loader).
        """
        if self.line <= 0:
            return self
        return SourcePos(self.file, self.line, self.col + offset)


@dataclass(frozen=True)
class Diagnostic:
    """One finding: ``severity`` is ``error`` or ``warning``."""

    code: str
    message: str
    pos: SourcePos
    severity: str = "error"
    hint: str | None = None

    def headline(self) -> str:
        return f"{self.pos}: {self.severity} {self.code}: {self.message}"

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.pos.file,
            "line": self.pos.line,
            "col": self.pos.col,
            "hint": self.hint,
        }


class BadInput(Exception):
    """Input the tool cannot work with: the CLI prints the diagnostics, exit 2."""

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


def _source_line(path: str, line: int, cache: dict[str, list[str] | None]) -> str | None:
    if line <= 0:
        return None
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                cache[path] = handle.read().splitlines()
        except OSError:
            cache[path] = None
    lines = cache[path]
    if not lines or line > len(lines):
        return None
    return lines[line - 1]


def format_diagnostic(diag: Diagnostic, _cache: dict | None = None) -> str:
    """``path:line:col: error CODE: message`` plus the source line and a caret."""
    cache = {} if _cache is None else _cache
    out = [diag.headline()]
    text = _source_line(diag.pos.file, diag.pos.line, cache)
    if text is not None:
        out.append(f"    {text}")
        caret_col = max(diag.pos.col, 1)
        # Tabs keep their width so the caret lines up under the offending character.
        prefix = "".join("\t" if ch == "\t" else " " for ch in text[: caret_col - 1])
        out.append(f"    {prefix}^")
    if diag.hint:
        out.append(f"    hint: {diag.hint}")
    return "\n".join(out)


def format_diagnostics(diags: Iterable[Diagnostic]) -> str:
    cache: dict = {}
    return "\n".join(format_diagnostic(d, cache) for d in diags)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A ``did you mean 'x'?`` suggestion for a misspelt key or name, or None."""
    import difflib

    match = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
