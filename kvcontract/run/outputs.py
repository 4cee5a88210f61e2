"""Up-front checks of where ``kvcontract check`` will write, before any check runs.

A run can take minutes; finding only at the end that the report directory is a
file or the template does not parse would throw the run away.  Each problem is
a diagnostic (exit 2) naming the option:

* KV705 ``--template``: unreadable, or a Jinja template that cannot render even an empty run;
* KV706 ``--report-dir``: a file, or a directory we cannot create or write;
* KV707 ``--junit-xml``: its directory does not exist (never created silently, unless it is the
  report directory), or it is a directory;
* KV708 ``GITHUB_STEP_SUMMARY``: a directory, or a file we cannot append to.
"""
from __future__ import annotations

import os
from typing import Mapping

from ..diagnostics import BadInput, Diagnostic, SourcePos

__all__ = ["check_outputs"]


def _diag(code: str, where: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, SourcePos(where), hint=hint)


def _existing_ancestor(path: str) -> str:
    current = os.path.abspath(path)
    while not os.path.exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _template_problem(path: str) -> str | None:
    if not os.path.isfile(path):
        return "no such file" if not os.path.exists(path) else "not a file"
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    import jinja2  # lazy: only a custom template needs it this early

    from ..report.markdown import render_markdown
    from ..verdicts.model import RunResult

    empty = RunResult(tool={}, command=[], seed=0, options={}, contracts=[])
    try:
        render_markdown(empty, template_path=path)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - a template can fail in any way (TypeError in a loop, ...)
        return f"cannot render even an empty run: {type(exc).__name__}: {exc}"
    return None


def _directory_problem(folder: str) -> str | None:
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            return "exists and is not a directory"
        if not os.access(folder, os.W_OK | os.X_OK):
            return "directory is not writable"
        return None
    ancestor = _existing_ancestor(folder)
    if not os.path.isdir(ancestor):
        return f"cannot be created: {ancestor} is not a directory"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot be created: {ancestor} is not writable"
    return None


def _file_problem(path: str) -> str | None:
    if os.path.isdir(path):
        return "is a directory"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"directory {folder} does not exist (it is not created for you)"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "file is not writable"
    if not os.path.exists(path) and not os.access(folder, os.W_OK | os.X_OK):
        return f"directory {folder} is not writable"
    return None


def check_outputs(*, report_dir: str, junit_xml: str | None, template: str | None,
                  environ: Mapping[str, str] | None = None) -> None:
    """Raise ``BadInput`` listing every output that cannot be produced."""
    env = os.environ if environ is None else environ
    diags: list[Diagnostic] = []
    if template is not None:
        problem = _template_problem(template)
        if problem:
            diags.append(_diag("KV705", f"--template {template}", problem))
    problem = _directory_problem(report_dir)
    if problem:
        diags.append(_diag("KV706", f"--report-dir {report_dir}", problem))
    if junit_xml is not None:
        # Inside the report directory is fine: that one is created (and was checked just above).
        in_report_dir = os.path.dirname(os.path.abspath(junit_xml)) == os.path.abspath(report_dir)
        problem = None if in_report_dir and not os.path.isdir(junit_xml) else _file_problem(junit_xml)
        if problem:
            diags.append(_diag("KV707", f"--junit-xml {junit_xml}", problem,
                               hint="create the directory first, or point --junit-xml at an existing one"))
    summary = env.get("GITHUB_STEP_SUMMARY", "")
    if summary:
        problem = _file_problem(summary)
        if problem:
            diags.append(_diag("KV708", f"GITHUB_STEP_SUMMARY={summary}", problem,
                               hint="unset it, or point it at a file the step can append to"))
    if diags:
        raise BadInput(diags)
