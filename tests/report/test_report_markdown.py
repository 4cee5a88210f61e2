"""The QA-gate markdown: verdict first, cells escaped, failures in full, custom templates."""
from __future__ import annotations

import re

import jinja2
import pytest

from kvcontract.report.markdown import DEFAULT_TEMPLATE, render_markdown
from kvcontract.verdicts.model import CheckResult, ContractRun, Counterexample, GateResult, Verdict

from .sample_runs import SIZING, audited_run, error_run, failing_run, passing_run


def test_the_gate_verdict_comes_first():
    assert render_markdown(passing_run()).splitlines()[0] == "## ✅ PASS — KV Cache Sizing Contract (F-KV-001)"
    assert render_markdown(failing_run()).splitlines()[0] == "## ❌ FAIL — KV Cache Sizing Contract (F-KV-001)"


def test_summary_counts_are_derived_from_the_checks():
    text = render_markdown(failing_run())
    assert "9 checks: 1 proved, 1 verified within bounds, 5 not falsified in 5000 examples; 2 falsified." in text
    assert "no failures" in render_markdown(passing_run())


def test_a_passing_report_is_short_and_a_failing_one_shows_everything():
    passing, failing = render_markdown(passing_run()), render_markdown(failing_run())
    assert len(passing.splitlines()) < len(failing.splitlines())
    assert "### Why the gate failed" not in passing
    for needle in ["| `n_kv` | `1` |", "| implementation | `2` |", "| specification | `4` |",
                   "```yaml\n- {n_kv: 1, d_k: 1, dtype: f16, expect: {kv_bytes: 4}}\n```",
                   "```sh\nkvcontract check contracts/kv-cache-sizing-v1.yaml --only FALSIFY-KV-001",
                   "- FALSIFY-KV-001: FALSIFIED", "- CONFORM:total_kv_memory: FALSIFIED"]:
        assert needle in failing
    explanation = failing_run().contracts[0].checks[0].counterexample.explanation
    for expr, value in explanation:  # every sub-expression is shown with its value
        assert f"| `{expr}` | `{value}` |" in failing


def test_errors_show_the_traceback_and_every_non_evidence_verdict():
    text = render_markdown(error_run())
    assert "```text\nTraceback (most recent call last):" in text
    assert "KeyError: 'fp8'\n```" in text
    assert "### ❌ KANI-KV-001 — INCONCLUSIVE" in text
    assert "Ran 312 examples, fewer than the minimum 1000: not evidence." in text
    assert "| ❌ NOT_FALSIFIED | 312/1000 examples |" in text


def test_reproducing_the_run_records_the_seed():
    run = failing_run()
    run.seed = 1234
    assert "--report-dir reports --seed 1234\n```" in render_markdown(run)
    run.command = ["kvcontract", "check", "x.yaml", "--seed", "7"]
    text = render_markdown(run)
    assert "kvcontract check x.yaml --seed 7\n```" in text and "--seed 1234" not in text


def _tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous = is_row
    return tables


def _one_check_run(result: CheckResult):
    run = passing_run()
    gate = GateResult.decide(SIZING, "F-KV-001", "KV Cache Sizing Contract", [result])
    run.contracts = [ContractRun(SIZING, "c.yaml", gate)]
    return run


def test_pipes_newlines_and_backticks_cannot_break_tables_or_fences():
    cx = Counterexample(
        inputs={"mask": "a|b"},
        explanation=[("x | y", "1\n2"), ("`tick`", "```")],
        actual="```", expected="ok",
        yaml_example="- {mask: 'a|b'}\n",
    )
    result = CheckResult("FALSIFY-KV-009", "falsification", SIZING, Verdict.ERROR, engine="hypothesis",
                         mode="a|b", counterexample=cx, error="line one\n```\nline ``` three\n")
    text = render_markdown(_one_check_run(result))
    for table in _tables(text):  # every row of a table has as many cell separators as its header
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in table}) == 1, table
    assert "| `mask` | `\"a\\|b\"` |" in text
    assert "| `` `tick` `` | ```` ``` ```` |" in text
    assert "| `x \\| y` | `1 2` |" in text
    assert "````text\nline one\n```\nline ``` three\n````" in text  # the fence outlasts the content


def test_audit_renders_a_kill_matrix():
    text = render_markdown(audited_run(), audit=True)
    assert "### ❌ Falsifiability — 3 of 4 mutants killed" in text
    row = next(line for line in text.splitlines() if line.startswith("| `M-KV-INT32-WRAP`"))
    assert row.endswith("| **SURVIVED** | — |")  # a survivor has no time to kill
    killed = next(line for line in text.splitlines() if line.startswith("| `M-KV-NO-FACTOR-2`"))
    assert killed.endswith("| killed | 0.05s |")
    # median of the killed mutants' 0.05, 0.04, 0.03 s; the survivor's 4.1 s is not a time to kill
    assert "3 of 4 mutants killed; time to kill: median 0.04s, worst 0.05s." in text
    assert "⚠️ missed" in row
    assert "accumulates in int32 \\| wraps" in row
    assert "- M-KV-QUADRATIC-S: expected FALSIFY-KV-003 to kill it, it did not" in text
    assert "Falsifiability" not in render_markdown(audited_run(), audit=False)
    assert "### ❌ Falsifiability — not audited" in render_markdown(passing_run(), audit=True)


def test_several_contracts_get_a_run_verdict_then_one_section_each():
    run = failing_run()
    second = passing_run().contracts[0]
    second.contract = "kv-cache-paging-v1"
    run.contracts.append(second)
    text = render_markdown(run)
    assert text.splitlines()[0] == "# ❌ FAIL — 1 of 2 gates passed"
    assert text.count("## ❌ FAIL — KV Cache Sizing") == 1 and text.count("## ✅ PASS — KV Cache Sizing") == 1


def test_no_contract_is_a_failure():
    run = passing_run()
    run.contracts = []
    assert render_markdown(run).startswith("# ❌ FAIL — no contract was checked")


def test_a_custom_template_receives_the_documented_context(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("{% for g in gates %}{{ g.heading }}: {{ g.summary }} {{ g.failures | length }}"
                        " {{ g.rows[0].result.check_id | code }}{% endfor %} seed={{ run.seed }}\n")
    text = render_markdown(failing_run(), template_path=template)
    assert text == ("❌ FAIL — KV Cache Sizing Contract (F-KV-001): 9 checks: 1 proved, 1 verified within bounds, "
                    "5 not falsified in 5000 examples; 2 falsified 2 `FALSIFY-KV-001` seed=0\n")


def test_an_undefined_name_in_a_template_is_an_error_not_blank(tmp_path):
    template = tmp_path / "typo.md.j2"
    template.write_text("{{ gaets }}\n")
    with pytest.raises(jinja2.UndefinedError):
        render_markdown(passing_run(), template_path=template)
    assert DEFAULT_TEMPLATE.exists()
