"""Options of one ``kvcontract check`` run, shared by the orchestrator and the engines.

Frozen and picklable: worker processes receive it as it is.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RunOptions", "DEFAULT_MAX_EXAMPLES", "DEFAULT_MIN_EXAMPLES"]

DEFAULT_MAX_EXAMPLES = 1000
# The evidence floor when neither the test nor the gate declares min_examples.  It comes
# from the contract, never the command line: --max-examples 1 must not pass a gate.
DEFAULT_MIN_EXAMPLES = 100


@dataclass(frozen=True)
class RunOptions:
    # Hypothesis
    max_examples: int | None = None  # None: the test's max_examples, else DEFAULT_MAX_EXAMPLES
    seed: int = 0
    hypothesis_profile: str | None = None  # a registered settings profile replaces our settings
    # Z3
    z3_timeout_ms: int = 10_000
    # Orchestration
    timeout_s: float = 120.0  # per check; a check still running then is killed and is an ERROR
    jobs: int | None = None  # None: os.cpu_count(); 1 is one worker process (never this one)
    only: tuple[str, ...] = ()  # check ids to run (all when empty)
    # Inputs and outputs
    search_path: tuple[str, ...] = ()  # extra directories for depends_on
    binding_files: tuple[str, ...] = ()  # empty: [tool.kvcontract] bindings, else harnesses/reference.yaml
    bind_overrides: tuple[str, ...] = ()
    report_dir: str | None = None
    junit_xml: str | None = None
    template: str | None = None
    # Extra arguments a reproduce command must repeat (bindings), set by the orchestrator.
    reproduce_args: tuple[str, ...] = field(default=())

    def max_examples_for(self, check: Any) -> int:
        """``--max-examples`` if given, else the test's own, else the default."""
        if self.max_examples is not None:
            return self.max_examples
        return getattr(check, "max_examples", None) or DEFAULT_MAX_EXAMPLES

    def min_examples_for(self, check: Any, max_examples: int) -> int:  # noqa: ARG002 - kept for callers
        """The test's or gate's ``min_examples``, else DEFAULT_MIN_EXAMPLES (or the test's own smaller
        ``max_examples``): the contract sets the floor, ``--max-examples`` cannot lower it."""
        declared = getattr(check, "min_examples", None)
        if declared is not None:
            return declared
        own_max = getattr(check, "max_examples", None)
        return min(DEFAULT_MIN_EXAMPLES, own_max) if own_max else DEFAULT_MIN_EXAMPLES

    def to_json(self) -> dict:
        """The options a report records (JSON values; what a reader needs to reproduce the run)."""
        data = asdict(self)
        data.pop("reproduce_args", None)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}
