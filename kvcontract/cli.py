"""The ``kvcontract`` command line: one function per subcommand, each returning an exit code.

Exit codes: 0 valid / passed, 1 findings / gate failed, 2 bad input or usage.
``main`` never lets ``SystemExit`` or a traceback escape: argparse errors
become 2, :class:`BadInput` is printed as ``file:line:col`` diagnostics (2),
and anything unexpected is a one-line internal error (2).

Adding a subcommand: write ``cmd_<name>(args) -> int`` and one
``_command(...)`` entry in :func:`build_parser`.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Callable, Sequence

from . import __version__
from .diagnostics import BadInput, Diagnostic, format_diagnostics

__all__ = ["main", "build_parser", "write_atomic"]

Handler = Callable[[argparse.Namespace], int]


class _ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so ``main`` returns 2."""

    def error(self, message: str):  # type: ignore[override]
        raise _ArgumentError(f"{self.prog}: error: {message}")


def _print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    if diagnostics:
        print(format_diagnostics(diagnostics), file=sys.stderr)


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so a reader never sees a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".kvcontract-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _emit(text: str, output: str | None) -> None:
    if output:
        write_atomic(output, text)
        print(f"wrote {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- subcommands ----------------------------------------------------------------

def cmd_validate(args: argparse.Namespace) -> int:
    from .contract.repository import discover, load_set
    from .contract.validate import validate

    contract_set = load_set(args.paths, search_path=args.search_path)
    requested_files = {c.path for c in contract_set.requested_contracts()}
    load_diags = [d for d in contract_set.diagnostics
                  if d.pos.file in requested_files or d.severity == "error" or not contract_set.requested]
    load_errors = [d for d in load_diags if d.severity == "error"]
    rule_diags = validate(contract_set)
    shown = [d for d in (*load_diags, *rule_diags) if args.warnings or d.severity == "error"]
    _print_diagnostics(shown)
    errors = load_errors + [d for d in rule_diags if d.severity == "error"]
    warnings = [d for d in (*load_diags, *rule_diags) if d.severity == "warning"]
    files = len(discover(args.paths))
    if not files:
        print("kvcontract: no contract files found", file=sys.stderr)
        return 2
    print(f"{files} file(s): {len(errors)} error(s), {len(warnings)} warning(s)")
    if load_errors:
        return 2
    return 1 if errors else 0


def _load_for_render(path: str, search_path: Sequence[str]):
    from .contract.load import load_contract
    from .contract.repository import load_set

    contract = load_contract(path)  # raises BadInput: a contract with errors is not rendered
    # Siblings are loaded to find dependents; their own problems do not block rendering.
    directory = os.path.dirname(os.path.abspath(path))
    contract_set = load_set([path, directory, *search_path], search_path=search_path)
    return contract, contract_set


def cmd_render(args: argparse.Namespace) -> int:
    from .render.contract_md import render_contract

    contract, contract_set = _load_for_render(args.contract, args.search_path)
    _emit(render_contract(contract, contract_set), args.output)
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from .contract.repository import load_set
    from .render.graph import graph

    contract_set = load_set(args.paths, search_path=args.search_path)
    errors = [d for d in contract_set.diagnostics if d.severity == "error"]
    if errors:
        raise BadInput(errors)
    _emit(graph(contract_set, args.format), args.output)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from .contract.repository import load_set
    from .render.graph import list_contracts

    contract_set = load_set(args.paths, search_path=args.search_path)
    errors = [d for d in contract_set.diagnostics if d.severity == "error"]
    _print_diagnostics(errors)
    text = list_contracts(contract_set)
    if text:
        sys.stdout.write(text)
    return 2 if errors else 0


# -- parser ---------------------------------------------------------------------

def cmd_check(args: argparse.Namespace) -> int:
    # Imported here so validate/render/graph never pay for Hypothesis and Z3 start-up.
    from .run import cmd_check as run_check

    return run_check(args)


def _command(sub, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _search_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--search-path", "-I", action="append", default=[], metavar="DIR",
                        help="extra directory where depends_on contracts are looked up (repeatable)")


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    from .audit.cli import add_check_audit_arguments
    from .run.command import add_check_arguments as add

    add(parser)
    add_check_audit_arguments(parser)


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit.cli import cmd_audit as run_audit

    return run_audit(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kvcontract", description="Executable YAML contracts for LLM KV caches.")
    parser.add_argument("--version", action="version", version=f"kvcontract {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = _command(sub, "validate", cmd_validate, "check contracts: schema, references, names, counts")
    p.add_argument("paths", nargs="+", metavar="PATH", help="contract files or directories")
    p.add_argument("--no-warnings", dest="warnings", action="store_false", help="print errors only")
    _search_path(p)

    p = _command(sub, "render", cmd_render, "render one contract as markdown")
    p.add_argument("contract", metavar="CONTRACT")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout")
    _search_path(p)

    p = _command(sub, "graph", cmd_graph, "the dependency graph of contracts")
    p.add_argument("paths", nargs="+", metavar="DIR")
    p.add_argument("--format", "-f", choices=("text", "mermaid", "dot", "json"), default="text")
    p.add_argument("-o", "--output", metavar="FILE")
    _search_path(p)

    p = _command(sub, "list", cmd_list, "one line per contract with its counts")
    p.add_argument("paths", nargs="+", metavar="DIR")
    _search_path(p)

    p = _command(sub, "check", cmd_check,
                 "run every check of the contracts against the bound implementation; QA-gate reports")
    add_check_arguments(p)

    p = _command(sub, "audit", cmd_audit,
                 "falsifiability audit: run the gate once per mutant of the bug zoo, print the kill matrix")
    from .audit.cli import add_audit_arguments

    add_audit_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _ArgumentError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version print and "exit" 0
        return 0 if exc.code in (0, None) else 2
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        print("kvcontract: error: a command is required", file=sys.stderr)
        return 2
    try:
        return handler(args)
    except BadInput as exc:
        _print_diagnostics(exc.diagnostics)
        return 2
    except KeyboardInterrupt:
        print("kvcontract: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence, never a traceback
        print(f"kvcontract: internal error in '{args.command}': {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
