"""GitHub Actions: the QA-gate report on the workflow run's summary page.

GitHub shows ``$GITHUB_STEP_SUMMARY`` (a file per step) as markdown on the run's
page.  Several steps and tools may append to it, so we append, never overwrite.
GitHub refuses a step summary over 1 MiB; a longer report is cut at a line
boundary with a note pointing at the full report instead of failing the upload.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

__all__ = ["append_step_summary", "STEP_SUMMARY_LIMIT"]

STEP_SUMMARY_LIMIT = 1024 * 1024  # bytes, GitHub's documented per-step limit

_CUT_NOTE = "\n\n> ✂️ Report cut to fit GitHub's step-summary limit; the full report is in the job's artifacts.\n"


def _fit(markdown: str, limit: int) -> str:
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    room = limit - len(_CUT_NOTE.encode("utf-8"))
    if room <= 0:
        return ""
    head = data[:room].decode("utf-8", errors="ignore")
    head = head[: head.rfind("\n")] if "\n" in head else head
    return head + _CUT_NOTE


def append_step_summary(markdown: str, *, environ: Mapping[str, str] | None = None,
                        limit: int = STEP_SUMMARY_LIMIT) -> Path | None:
    """Append ``markdown`` to ``$GITHUB_STEP_SUMMARY``; returns the file, or None when unset."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY", "")
    if not target:
        return None
    path = Path(target)
    existing = path.stat().st_size if path.exists() else 0
    separator = "\n" if existing else ""  # a blank line between this and an earlier step's text
    text = _fit(markdown if markdown.endswith("\n") else markdown + "\n", max(limit - existing - 1, 0))
    if not text:
        return path
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(separator + text)
    return path
