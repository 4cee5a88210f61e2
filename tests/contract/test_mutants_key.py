"""A contract's ``mutants:`` key may only name a mutant file inside its project (KV813)."""
from __future__ import annotations

import pytest

from kvcontract.audit.resolve import load_mutants_for
from kvcontract.contract.load import load_contract
from kvcontract.diagnostics import BadInput

from .samples import VALID

MUTANTS = """\
tiny-v1:
  - id: MUT-X-001
    description: "Missing factor of 2"
    bind: {kv_bytes: "evil:kv_bytes"}
    killed_by: [FALSIFY-T-001]
"""


def _project(tmp_path, mutants_key):
    project = tmp_path / "project"
    (project / "contracts").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    path = project / "contracts" / "tiny-v1.yaml"
    path.write_text(VALID + f"mutants: {mutants_key}\n")
    return path


def test_mutant_file_outside_the_project_root_is_refused(tmp_path):
    (tmp_path / "elsewhere.yaml").write_text(MUTANTS)
    path = _project(tmp_path, "../../elsewhere.yaml")
    contract = load_contract(str(path))
    with pytest.raises(BadInput) as info:
        load_mutants_for([contract])
    (diag,) = info.value.diagnostics
    assert diag.code == "KV813"
    assert (diag.pos.file, diag.pos.line) == (str(path), VALID.count("\n") + 1)
    assert "outside the project root" in diag.message


def test_symlink_out_of_the_project_is_refused(tmp_path):
    (tmp_path / "elsewhere.yaml").write_text(MUTANTS)
    path = _project(tmp_path, "../harnesses/zoo.yaml")
    (path.parent.parent / "harnesses").mkdir()
    (path.parent.parent / "harnesses" / "zoo.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(BadInput) as info:
        load_mutants_for([load_contract(str(path))])
    assert [d.code for d in info.value.diagnostics] == ["KV813"]


def test_mutant_file_inside_the_project_root_loads(tmp_path):
    path = _project(tmp_path, "../harnesses/zoo.yaml")
    (path.parent.parent / "harnesses").mkdir()
    (path.parent.parent / "harnesses" / "zoo.yaml").write_text(MUTANTS)
    mutants = load_mutants_for([load_contract(str(path))])
    assert [m.id for m in mutants["tiny-v1"]] == ["MUT-X-001"]
