"""Implementation code never runs in the parent: an implementation that exits ends only its worker."""
from __future__ import annotations

import os

import pytest

from kvcontract.engines.options import RunOptions
from kvcontract.run import check_paths
from kvcontract.verdicts.model import Verdict

from .kvworkspace import Workspace

CONTRACT = """
metadata:
  version: "1.0.0"
  description: "an implementation that exits"
variables:
  x: {type: int, min: 1, max: 1000}
symbols:
  f: {params: [x], returns: int}
  g: {params: [x], returns: int}
proof_obligations:
  - id: OB-F
    type: invariant
    property: "f is zero"
    check: "f(x) == 0"
  - id: OB-G
    type: invariant
    property: "g is zero"
    check: "g(x) == 0"
falsification_tests:
  - {id: T-F, rule: a, obligation: OB-F}
  - {id: T-G, rule: b, obligation: OB-G}
qa_gate:
  id: G
  name: "exit probe"
  min_examples: 20
"""

IMPL = """
import os, sys

def sys_exit(x):
    sys.exit(0)

def os_exit(x):
    os._exit(0)

def zero(x):
    return 0
"""


@pytest.mark.parametrize("how", ["sys_exit", "os_exit"])
@pytest.mark.parametrize("only", [(), ("T-F",)])
def test_an_exiting_implementation_is_an_error_and_the_run_goes_on(tmp_path, monkeypatch, how, only):
    monkeypatch.chdir(tmp_path)
    ws = Workspace(tmp_path, monkeypatch)
    mod = ws.module(IMPL)
    binding = ws.binding({"m-v1": {"f": f"{mod}:{how}", "g": f"{mod}:zero"}})
    path = ws.contract("m-v1", CONTRACT)
    parent = os.getpid()
    run = check_paths([path], options=RunOptions(binding_files=(binding,), jobs=1, max_examples=30, seed=1,
                                                 only=only))
    assert os.getpid() == parent  # we are still here to look
    results = {r.check_id: r for r in run.contracts[0].checks}
    assert results["T-F"].verdict is Verdict.ERROR
    assert "the implementation exited the process (code 0)" in results["T-F"].detail
    if not only:  # the worker was replaced: the next check still ran, in a fresh process
        assert results["T-G"].verdict is Verdict.NOT_FALSIFIED
    assert not run.passed
