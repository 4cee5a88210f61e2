"""``kvcontract audit``: the falsifiability audit as a command (wired into ``kvcontract.cli``).

Exit codes: 0 every mutant killed by a FALSIFIED verdict of the checks it
names and every falsification test killed something; 1 otherwise; 2 bad input
(a contract, binding or mutant file with errors; :class:`BadInput` is raised
and ``kvcontract.cli.main`` prints it).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Sequence

from ..engines.options import RunOptions
from .matrix import format_matrix, time_to_kill_stats

__all__ = ["add_audit_arguments", "cmd_audit", "audit_options", "AUDIT_REPORT_SUBDIR"]

AUDIT_REPORT_SUBDIR = "audit"  # under the report dir, so an audit never overwrites the check report


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``kvcontract audit``."""
    parser.add_argument("paths", nargs="+", metavar="CONTRACT_OR_DIR", help="contract files or directories")
    parser.add_argument("--binding", "-b", action="append", default=[], metavar="FILE", dest="binding",
                        help="binding file (repeatable, later files override); default harnesses/reference.yaml")
    parser.add_argument("--bind", action="append", default=[], metavar="CONTRACT.SYMBOL=module:attr",
                        help="override one symbol after all binding files (repeatable)")
    parser.add_argument("--mutants", action="append", default=[], metavar="FILE",
                        help="mutant file (repeatable); default: each contract's mutants: key, else "
                             "harnesses/mutants/<contract-id>.yaml")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                        help="worker processes (default: CPU count; 1 runs in-process)")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="Hypothesis examples per check (default: each test's own, else 1000)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="time limit per check and mutant; past it the cell is an ERROR (default 120)")
    parser.add_argument("--full-matrix", action="store_true",
                        help="run every cell with the full Hypothesis budget, not only each mutant's named killers")
    parser.add_argument("--report-dir", default=None, metavar="DIR",
                        help="where qa-gate.md and result.json of the audit go (default <report_dir>/audit)")
    parser.add_argument("--no-report", action="store_true", help="print the kill matrix only, write no files")
    parser.add_argument("--search-path", "-I", action="append", default=[], metavar="DIR",
                        help="extra directory where depends_on contracts are looked up (repeatable)")


def audit_options(args: argparse.Namespace) -> RunOptions:
    if args.jobs is not None and args.jobs < 1:
        raise ValueError("--jobs must be >= 1")
    return RunOptions(max_examples=args.max_examples, seed=args.seed, timeout_s=args.timeout, jobs=args.jobs,
                      binding_files=tuple(args.binding), bind_overrides=tuple(args.bind))


def _report_dir(args: argparse.Namespace) -> str:
    if args.report_dir:
        return args.report_dir
    from ..bind.project import load_project_config

    config = load_project_config(args.paths[0] if args.paths else ".")
    base = config.report_dir or os.path.join(config.root, "reports")
    return os.path.join(base, AUDIT_REPORT_SUBDIR)


def cmd_audit(args: argparse.Namespace) -> int:
    """Run the audit, print the kill matrix of each contract, write the reports; 0 / 1 (BadInput: 2)."""
    from ..report.atomic import write_reports
    from .runner import audit_paths

    try:
        options = audit_options(args)
    except ValueError as exc:
        print(f"kvcontract audit: error: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    command = ["kvcontract", "audit", *_argv_of(args)]
    run = audit_paths(args.paths, options=options, mutant_files=args.mutants, search_path=args.search_path,
                      command=command, full_matrix=args.full_matrix)
    elapsed = time.monotonic() - started
    audits = [crun.audit for crun in run.contracts if crun.audit is not None]
    for crun in run.contracts:
        print(format_matrix(crun.contract, crun.audit or {}))
        print()
    stats = time_to_kill_stats(audits)
    total = sum(len(a["mutants"]) for a in audits)
    passed = all(a["passed"] for a in audits) and bool(audits)
    timing = (f"; time to kill: median {stats['median']:.2f} s, worst {stats['worst']:.2f} s"
              if stats["killed"] else "")
    print(f"{'PASS' if passed else 'FAIL'} audit: {stats['killed']} of {total} mutants killed in "
          f"{len(audits)} contract(s){timing}; {elapsed:.1f} s")
    if not args.no_report:
        written = write_reports(run, _report_dir(args), audit=True)
        for kind in ("markdown", "json"):
            if kind in written:
                print(f"wrote {written[kind]}")
    return 0 if passed else 1


def _argv_of(args: argparse.Namespace) -> list[str]:
    """The options that change the result, for the reproduce line of the report."""
    out: list[str] = list(args.paths)
    for flag, values in (("--binding", args.binding), ("--bind", args.bind), ("--mutants", args.mutants)):
        for value in values:
            out += [flag, value]
    if args.max_examples is not None:
        out += ["--max-examples", str(args.max_examples)]
    if args.seed:
        out += ["--seed", str(args.seed)]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kvcontract.audit.cli``: the command without the rest of the CLI (for tests and scripts)."""
    from ..diagnostics import BadInput, format_diagnostics

    parser = argparse.ArgumentParser(prog="kvcontract audit", description="Falsifiability audit: the bug zoo.")
    add_audit_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_audit(args)
    except BadInput as bad:
        print(format_diagnostics(bad.diagnostics), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
