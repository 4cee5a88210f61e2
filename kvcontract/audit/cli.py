"""``kvcontract audit`` and ``kvcontract check --audit``: the falsifiability audit as commands.

``kvcontract audit`` takes every option of ``kvcontract check`` plus
``--mutants`` and ``--full-matrix``.  Exit codes: 0 the gate passed and every
mutant was killed (FALSIFIED) by the checks it names and every falsification
test killed some mutant; 1 otherwise; 2 bad input (raised as
:class:`BadInput`; ``kvcontract.cli.main`` prints it).

Wiring (``kvcontract/cli.py``)::

    p = _command(sub, "audit", cmd_audit, "run the bug zoo: mutants x checks kill matrix")
    add_audit_arguments(p)
    # and for `check --audit`, after add_check_arguments(check_parser):
    add_check_audit_arguments(check_parser)
    # then in cmd_check, after run_prepared(...) and before writing reports:
    if args.audit: audit_finished_run(run, prepared, options, args)   # and render with audit=True
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Sequence

from .matrix import format_matrix, time_to_kill_stats

__all__ = ["add_mutant_arguments", "add_audit_arguments", "add_check_audit_arguments", "cmd_audit",
           "audit_finished_run", "print_audit", "AUDIT_REPORT_SUBDIR"]

AUDIT_REPORT_SUBDIR = "audit"  # under the report dir: an audit never overwrites the check report


def add_mutant_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--mutants", action="append", default=[], metavar="FILE",
                        help="mutant file (repeatable); default: each contract's 'mutants:' file, else "
                             "harnesses/mutants/<contract-id>.yaml")
    parser.add_argument("--full-matrix", action="store_true",
                        help="give every cell the full Hypothesis budget, not only the checks each mutant "
                             "names in killed_by (the others get 200 examples)")
    return parser


def add_audit_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``kvcontract audit CONTRACT_OR_DIR... [--binding FILE]... [--mutants FILE]... [-j N] ...``"""
    from ..run.command import add_check_arguments

    add_check_arguments(parser)
    add_mutant_arguments(parser)
    parser.add_argument("--no-report", action="store_true", help="print the kill matrix only, write no files")
    return parser


def add_check_audit_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``--audit`` (and the mutant options) for ``kvcontract check``."""
    parser.add_argument("--audit", action="store_true",
                        help="after the gate, run the bug zoo and add the Falsifiability section to the report")
    return add_mutant_arguments(parser)


def print_audit(run, elapsed: float | None = None) -> bool:
    """Print each contract's kill matrix and a summary line; True when every audit passed."""
    audits = [crun.audit for crun in run.contracts if crun.audit is not None]
    for crun in run.contracts:
        if crun.audit is not None:
            print(format_matrix(crun.contract, crun.audit) + "\n")
    stats = time_to_kill_stats(audits)
    total = sum(len(a["mutants"]) for a in audits)
    passed = bool(audits) and all(a["passed"] for a in audits)
    timing = f"; time to kill: median {stats['median']:.2f} s, worst {stats['worst']:.2f} s" if stats["killed"] else ""
    took = f"; {elapsed:.1f} s" if elapsed is not None else ""
    print(f"{'PASS' if passed else 'FAIL'} audit: {stats['killed']} of {total} mutants killed in "
          f"{len(audits)} contract(s){timing}{took}", flush=True)
    return passed


def audit_finished_run(run, prepared, options, args: argparse.Namespace) -> bool:
    """``check --audit``: audit ``run`` (its verdicts are the baseline), print the matrix; True if it passed."""
    from .runner import attach_audit

    started = time.monotonic()
    attach_audit(run, options=options, mutant_files=args.mutants, prepared=prepared, full_matrix=args.full_matrix)
    return print_audit(run, time.monotonic() - started)


def _paths(args: argparse.Namespace) -> list[str]:
    from ..bind.project import load_project_config

    project = load_project_config(os.getcwd())
    from ..report.paths import display_path

    return list(args.paths) or [display_path(os.path.join(project.root, p)) for p in project.contracts] or ["contracts"]


def _report_dir(options, paths: Sequence[str]) -> str:
    if options.report_dir:
        return options.report_dir
    from ..bind.project import load_project_config

    start = paths[0] if paths else os.getcwd()
    config = load_project_config(start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)))
    return os.path.join(config.report_dir or os.path.join(config.root, "reports"), AUDIT_REPORT_SUBDIR)


def cmd_audit(args: argparse.Namespace) -> int:
    """Run the gate and the bug zoo, print the kill matrices, write the reports; 0 / 1 (BadInput: 2)."""
    from ..report.atomic import write_reports
    from ..run.command import options_from_args
    from .runner import audit_paths

    options = options_from_args(args)
    paths = _paths(args)
    started = time.monotonic()
    command = ["kvcontract", "audit", *sys.argv[2:]] if sys.argv[1:2] == ["audit"] else ["kvcontract", "audit", *paths]
    run = audit_paths(paths, options=options, mutant_files=args.mutants, command=command,
                      full_matrix=args.full_matrix)
    audit_passed = print_audit(run, time.monotonic() - started)
    if not run.passed:
        reasons = [f"{c.contract}: {r}" for c in run.contracts for r in c.gate.reasons]
        print("FAIL gate (the baseline): " + "; ".join(reasons), flush=True)
    if not args.no_report:
        written = write_reports(run, _report_dir(options, paths), junit_path=options.junit_xml,
                                template_path=options.template, audit=True)
        for kind in ("markdown", "json", "junit"):
            if kind in written:
                print(f"wrote {written[kind]}")
    return 0 if audit_passed and run.passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kvcontract.audit.cli``: the command on its own (until ``kvcontract audit`` is wired)."""
    from ..diagnostics import BadInput, format_diagnostics

    parser = argparse.ArgumentParser(prog="kvcontract audit", description="Falsifiability audit: the bug zoo.")
    add_audit_arguments(parser)
    try:
        return cmd_audit(parser.parse_args(argv))
    except BadInput as bad:
        print(format_diagnostics(bad.diagnostics), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
