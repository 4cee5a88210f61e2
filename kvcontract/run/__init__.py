"""The ``check`` pipeline: prepare (load, validate, bind, plan), dispatch to workers, gate, report.

* :func:`check_paths` — the library entry point, returns a ``RunResult``;
* :func:`cmd_check` / :func:`add_check_arguments` — the ``kvcontract check`` command.
"""
from __future__ import annotations

from .command import add_check_arguments, cmd_check, options_from_args
from .orchestrate import check_paths, run_prepared
from .prepare import Prepared, prepare_run

__all__ = ["check_paths", "run_prepared", "prepare_run", "Prepared", "cmd_check", "add_check_arguments",
           "options_from_args"]
