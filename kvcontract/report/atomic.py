"""Writing reports: each file whole or not at all, every file rendered before any is written.

Layout (one run, one set of files, so CI uploads a single directory)::

    <report_dir>/kvcontract-result.json   the Result JSON: the source of truth
    <report_dir>/qa-gate.md               the QA-gate report, every contract's gate in it
    <junit_path>                          JUnit XML, only when asked for (CI panels want a fixed path)

One markdown file for the run rather than one per contract: a merge request
shows one report, and a run of several contracts is one gate decision.  The
JSON is written last, so a fresh JSON means the other files of its run are there.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ..diagnostics import BadInput, Diagnostic, SourcePos
from ..verdicts.model import RunResult
from .junit import render_junit
from .markdown import render_markdown
from .result import dump_json

__all__ = ["write_atomic", "write_reports", "RESULT_JSON", "QA_GATE_MD"]

RESULT_JSON = "kvcontract-result.json"
QA_GATE_MD = "qa-gate.md"


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file in the same directory.

    Readers see the old file or the new one, never a half-written one: the text
    is fsynced before ``os.replace`` swaps it in.  Parent directories are created.
    An existing file keeps its permissions; a new one gets 0644.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)
    return target


def write_reports(run: RunResult, report_dir: str | Path, *, junit_path: str | Path | None = None,
                  template_path: str | Path | None = None, audit: bool = False) -> dict[str, Path]:
    """Render the run's reports, then write them; returns ``{"markdown"|"junit"|"json": path}``.

    Rendering happens first, so a template or serialisation error leaves every
    previous report untouched and no partial set of new ones.
    """
    folder = Path(report_dir)
    try:
        markdown = render_markdown(run, template_path=template_path, audit=audit)
    except Exception as exc:  # noqa: BLE001 - only a user template can fail here; it is bad input, not a crash
        if template_path is None:
            raise
        raise BadInput(Diagnostic("KV705", f"the template failed on this run: {type(exc).__name__}: {exc}; "
                                           "no report was written", SourcePos(str(template_path)))) from exc
    rendered: list[tuple[str, Path, str]] = [("markdown", folder / QA_GATE_MD, markdown)]
    if junit_path is not None:
        rendered.append(("junit", Path(junit_path), render_junit(run)))
    rendered.append(("json", folder / RESULT_JSON, dump_json(run)))
    return {kind: write_atomic(path, content) for kind, path, content in rendered}
