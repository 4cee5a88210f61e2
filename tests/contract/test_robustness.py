"""Bad input never reaches a traceback: mutated contracts give diagnostics, not exceptions."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from kvcontract.cli import main
from kvcontract.contract.repository import load_set
from kvcontract.contract.validate import validate

from .samples import VALID

_PIECES = st.sampled_from(
    [":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!str ", "\t", "\n", "  ", '"', "'", "|", ">", "#",
     "1e-5", "-1", "null", "(", ")", "=>", "x", "variables:", "check: ", "\udcff", "\x00", "é"]
)


@st.composite
def mutated_contracts(draw):
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        text = text[:start] + draw(_PIECES) + text[end:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_contracts())
def test_mutated_contracts_give_diagnostics_not_exceptions(tmp_path, text):
    path = tmp_path / "fuzz-v1.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    contract_set = load_set([str(path)])
    findings = validate(contract_set)
    for diag in (*contract_set.diagnostics, *findings):
        assert diag.code.startswith("KV") and diag.severity in ("error", "warning")
        assert diag.pos.file == str(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_contracts())
def test_cli_never_reports_internal_error(tmp_path, capsys, text):
    path = tmp_path / "fuzz-v1.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    capsys.readouterr()
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    assert "internal error" not in err and "Traceback" not in err
