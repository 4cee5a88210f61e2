"""The ``kvcontract check`` command: arguments, terminal output, reports, exit code.

Exit 0 when every gate passed, 1 when a gate failed, 2 for bad input (raised
as :class:`BadInput` before any check runs; ``cli.main`` prints it).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from ..bind.project import load_project_config
from ..diagnostics import BadInput, Diagnostic, SourcePos
from ..engines.options import DEFAULT_MAX_EXAMPLES, RunOptions
from ..report.paths import display_path
from .orchestrate import effective_jobs, run_prepared
from .outputs import check_outputs
from .prepare import prepare_run

__all__ = ["add_check_arguments", "cmd_check", "options_from_args"]

DEFAULT_REPORT_DIR = "reports"


def add_check_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="contract files or directories (default: [tool.kvcontract] contracts, else contracts/)")
    parser.add_argument("--binding", action="append", default=[], metavar="FILE",
                        help="binding file; repeatable, later files override earlier ones "
                             "(default: [tool.kvcontract] bindings, else harnesses/reference.yaml)")
    parser.add_argument("--bind", action="append", default=[], metavar="CONTRACT.SYMBOL=module:attr",
                        help="bind one symbol, overriding every binding file (repeatable)")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help=f"Hypothesis examples per check (default: the test's max_examples, "
                             f"else {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed, printed and recorded (default 0)")
    parser.add_argument("--z3-timeout", type=int, default=10_000, metavar="MS",
                        help="Z3 timeout per query in milliseconds (default 10000)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="wall-clock limit per check; a check still running is killed and is an ERROR "
                             "(default 120)")
    parser.add_argument("--hypothesis-profile", metavar="NAME", help="use this registered Hypothesis profile")
    parser.add_argument("--only", action="append", default=[], metavar="ID",
                        help="run only this check (repeatable); a partial run never passes a gate")
    parser.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: CPU count; implementation code never runs in this process)")
    parser.add_argument("--report-dir", metavar="DIR",
                        help="where qa-gate.md and result.json are written (default: [tool.kvcontract] "
                             "report_dir, else reports/)")
    parser.add_argument("--junit-xml", metavar="FILE", help="also write JUnit XML here")
    parser.add_argument("--template", metavar="FILE", help="Jinja template for the markdown report")
    parser.add_argument("--search-path", "-I", action="append", default=[], metavar="DIR",
                        help="extra directory where depends_on contracts are looked up (repeatable)")
    return parser


def _usage_error(flag: str, message: str) -> BadInput:
    return BadInput(Diagnostic("KV704", f"{flag}: {message}", SourcePos(flag)))


def options_from_args(args: argparse.Namespace) -> RunOptions:
    """RunOptions from parsed arguments; impossible values are bad input."""
    if args.max_examples is not None and args.max_examples < 1:
        raise _usage_error("--max-examples", "must be at least 1")
    if args.timeout <= 0:
        raise _usage_error("--timeout", "must be positive")
    if args.z3_timeout < 1:
        raise _usage_error("--z3-timeout", "must be at least 1 ms")
    if args.jobs is not None and args.jobs < 1:
        raise _usage_error("--jobs", "must be at least 1")
    reproduce: list[str] = []
    for path in args.binding:
        reproduce += ["--binding", path]
    for override in args.bind:
        reproduce += ["--bind", override]
    if args.hypothesis_profile:
        reproduce += ["--hypothesis-profile", args.hypothesis_profile]
    return RunOptions(
        max_examples=args.max_examples, seed=args.seed, hypothesis_profile=args.hypothesis_profile,
        z3_timeout_ms=args.z3_timeout, timeout_s=args.timeout, jobs=args.jobs, only=tuple(args.only),
        search_path=tuple(args.search_path), binding_files=tuple(args.binding), bind_overrides=tuple(args.bind),
        report_dir=args.report_dir, junit_xml=args.junit_xml, template=args.template,
        reproduce_args=tuple(reproduce),
    )


def _check_profile(name: str | None) -> None:
    if not name:
        return
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    try:
        settings.get_profile(name)
    except InvalidArgument as exc:
        raise _usage_error("--hypothesis-profile", str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    """Run the checks, print a line per check, write the reports; 0 passed / 1 failed / 2 bad input."""
    from ..report.atomic import write_reports
    from ..report.github import append_step_summary
    from ..report.markdown import render_markdown
    from ..report.terminal import format_check_line, format_failures, format_summary

    options = options_from_args(args)
    project = load_project_config(os.getcwd())
    configured = [display_path(os.path.join(project.root, p)) for p in project.contracts]
    paths = list(args.paths) or configured or ["contracts"]
    report_dir = options.report_dir or project.report_dir or DEFAULT_REPORT_DIR
    check_outputs(report_dir=report_dir, junit_xml=options.junit_xml, template=options.template)
    prepared = prepare_run(paths, options)
    _check_profile(options.hypothesis_profile)  # after binding imports, which may register profiles
    if prepared.warnings:
        print(f"kvcontract: {len(prepared.warnings)} warning(s) in the contracts; "
              f"'kvcontract validate' lists them", file=sys.stderr)
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    n_checks = len(prepared.tasks())
    examples = options.max_examples if options.max_examples is not None else "per test"
    print(f"kvcontract check: {len(prepared.contracts)} contract(s), {n_checks} check(s), seed {options.seed}, "
          f"max-examples {examples}, jobs {min(effective_jobs(options), max(n_checks, 1))}", flush=True)

    def on_result(result) -> None:
        print(format_check_line(result, colour=colour), flush=True)

    command: Sequence[str] = ["kvcontract", "check", *sys.argv[2:]] if sys.argv[1:2] == ["check"] else \
        ["kvcontract", "check", *paths]
    run = run_prepared(prepared, options, command=command, on_result=on_result)
    failures = format_failures(run)
    if failures:
        print("\n" + failures)
    audit = bool(getattr(args, "audit", False))
    audit_passed = True
    if audit:
        from ..audit.cli import audit_finished_run

        audit_passed = audit_finished_run(run, prepared, options, args)
    written = write_reports(run, report_dir, junit_path=options.junit_xml, template_path=options.template,
                            audit=audit)
    summary_path = None
    if os.environ.get("GITHUB_STEP_SUMMARY"):  # render a second copy only for GitHub Actions
        summary_path = append_step_summary(render_markdown(run, template_path=options.template, audit=audit))
    shown = {k: str(v) for k, v in written.items()}
    if summary_path is not None:
        shown["step summary"] = str(summary_path)
    print("\n" + format_summary(run, written=shown, colour=colour))
    return 0 if run.passed and audit_passed else 1
