"""Hand-built runs of the kv-cache-sizing-v1 contract, the inputs of the golden tests.

Built by hand (not by running the engines) so the reports' tests depend only on
the report code; the content mirrors what the engines produce for the shipped
contract and its bug zoo.
"""
from __future__ import annotations

from kvcontract.verdicts.model import (
    CheckResult,
    ContractRun,
    Counterexample,
    GateResult,
    RunResult,
    Verdict,
)

__all__ = ["passing_run", "failing_run", "error_run", "audited_run", "SIZING", "TOOL"]

SIZING = "kv-cache-sizing-v1"
PATH = "contracts/kv-cache-sizing-v1.yaml"
TOOL = {
    "kvcontract": "0.1.0",
    "python": "3.11.9",
    "hypothesis": "6.112.0",
    "z3": "4.13.0",
    "numpy": "1.26.4",
    "platform": "Linux-6.8.0-x86_64-with-glibc2.39",
}
COMMAND = ["kvcontract", "check", PATH, "--report-dir", "reports"]


def _falsify(check_id, title, obligation, *, examples=1000, seconds=0.42, verdict=Verdict.NOT_FALSIFIED, **extra):
    return CheckResult(
        check_id=check_id, kind="falsification", contract=SIZING, verdict=verdict,
        obligation=obligation, engine="hypothesis", mode="derandomized",
        examples=examples, cases=examples, seconds=seconds, seed=0, min_examples=1000,
        title=title, **extra,
    )


def _healthy_checks() -> list[CheckResult]:
    return [
        _falsify("FALSIFY-KV-001", "Factor of 2 for K and V", "KV-INV-002", seconds=0.42),
        _falsify("FALSIFY-KV-002", "KV total monotonic", "KV-MON-001", seconds=0.61),
        _falsify("FALSIFY-KV-003", "KV total linear in layers", "KV-LIN-001", seconds=0.38),
        _falsify("FALSIFY-KV-004", "Wider dtype never needs less memory", "KV-DT-001", seconds=0.35),
        _falsify("FALSIFY-KV-005", "GQA shrinks the cache by the group factor", "KV-GQA-001", seconds=0.57),
        _falsify("FALSIFY-KV-006", "Total fits in 64 bits for the declared bounds", "KV-OVF-001", seconds=0.29),
        CheckResult(
            check_id="KANI-KV-001", kind="harness", contract=SIZING, verdict=Verdict.VERIFIED_BOUNDED,
            obligation="KV-INV-001", engine="z3", mode="symbolic-trace bound=4", cases=0,
            seconds=0.18, bound=4, title="KV bytes positive for bounded configs",
            detail="traced kv_bytes into Z3; no input within the bound violates kv_bytes > 0",
        ),
        CheckResult(
            check_id="PROVE:KV-MON-001", kind="proof", contract=SIZING, verdict=Verdict.PROVED,
            obligation="KV-MON-001", engine="z3", mode="unbounded", seconds=0.05,
            title="KV total monotonic in sequence length",
            detail="unsat: no S1 < S2 with kv_total(S1) >= kv_total(S2) (premises satisfiable)",
        ),
        CheckResult(
            check_id="CONFORM:total_kv_memory", kind="conformance", contract=SIZING,
            verdict=Verdict.NOT_FALSIFIED, engine="hypothesis", mode="implementation == equation",
            examples=1000, cases=1000, seconds=0.74, seed=0, min_examples=1000,
            title="kv_total = L * S * kv_bytes(n_kv, d_k, dtype)",
        ),
    ]


def _run(checks: list[CheckResult], audit: dict | None = None) -> RunResult:
    gate = GateResult.decide(
        SIZING, "F-KV-001", "KV Cache Sizing Contract", checks,
        pass_criteria="All 9 checks have evidence",
    )
    return RunResult(
        tool=dict(TOOL), command=list(COMMAND), seed=0,
        options={"max_examples": 1000, "z3_timeout": 10.0, "jobs": 1, "bindings": ["harnesses/reference.yaml"]},
        contracts=[ContractRun(SIZING, PATH, gate, audit)],
    )


def passing_run() -> RunResult:
    return _run(_healthy_checks())


def _replace(checks: list[CheckResult], new: CheckResult) -> list[CheckResult]:
    return [new if res.check_id == new.check_id else res for res in checks]


def failing_run() -> RunResult:
    """The implementation forgot the factor 2 for K and V."""
    checks = _healthy_checks()
    cx = Counterexample(
        inputs={"n_kv": 1, "d_k": 1, "dtype": "f16"},
        message="kv_bytes(n_kv, d_k, dtype) == 2 * n_kv * d_k * sizeof(dtype) is false",
        explanation=[
            ("n_kv", "1"),
            ("d_k", "1"),
            ("sizeof(dtype)", "2"),
            ("kv_bytes(n_kv, d_k, dtype)", "2"),
            ("2 * n_kv * d_k * sizeof(dtype)", "4"),
            ("kv_bytes(n_kv, d_k, dtype) == 2 * n_kv * d_k * sizeof(dtype)", "False"),
        ],
        actual="2",
        expected="4",
        yaml_example="- {n_kv: 1, d_k: 1, dtype: f16, expect: {kv_bytes: 4}}\n",
        reproduce=(
            "kvcontract check contracts/kv-cache-sizing-v1.yaml --only FALSIFY-KV-001 "
            "--example '{n_kv: 1, d_k: 1, dtype: f16}'"
        ),
        replayed=True,
    )
    checks = _replace(checks, _falsify(
        "FALSIFY-KV-001", "Factor of 2 for K and V", "KV-INV-002", examples=1, seconds=0.03,
        verdict=Verdict.FALSIFIED, counterexample=cx,
        detail="Forget factor of 2 to halve KV cache estimate",
    ))
    conform_cx = Counterexample(
        inputs={"L": 1, "S": 1, "n_kv": 1, "d_k": 1, "dtype": "f16"},
        message="implementation != total_kv_memory",
        explanation=[("kv_total(L, S, n_kv, d_k, dtype)", "2"), ("L * S * kv_bytes(n_kv, d_k, dtype)", "4")],
        actual="2", expected="4",
        yaml_example="- {L: 1, S: 1, n_kv: 1, d_k: 1, dtype: f16, expect: 4}\n",
        reproduce=(
            "kvcontract check contracts/kv-cache-sizing-v1.yaml --only CONFORM:total_kv_memory "
            "--example '{L: 1, S: 1, n_kv: 1, d_k: 1, dtype: f16}'"
        ),
        replayed=True,
    )
    checks = _replace(checks, CheckResult(
        check_id="CONFORM:total_kv_memory", kind="conformance", contract=SIZING,
        verdict=Verdict.FALSIFIED, engine="hypothesis", mode="implementation == equation",
        examples=1, cases=1, seconds=0.02, seed=0, min_examples=1000,
        title="kv_total = L * S * kv_bytes(n_kv, d_k, dtype)", counterexample=conform_cx,
    ))
    return _run(checks)


TRACEBACK = """Traceback (most recent call last):
  File "harnesses/reference_impl.py", line 31, in kv_bytes
    return 2 * n_kv * d_k * DTYPE_BYTES[dtype]
                            ~~~~~~~~~~~^^^^^^^
KeyError: 'fp8'
"""


def error_run() -> RunResult:
    """kv_bytes raises for fp8; a contract size guard fails a proof; the solver times out on the harness;
    a test ran too few examples."""
    checks = _healthy_checks()
    checks = _replace(checks, _falsify(
        "FALSIFY-KV-004", "Wider dtype never needs less memory", "KV-DT-001", examples=17, seconds=0.04,
        verdict=Verdict.ERROR, error=TRACEBACK,
        detail="kv_bytes raised KeyError at the 18th example",
        counterexample=Counterexample(
            inputs={"n_kv": 1, "d_k": 1, "dtype": "fp8", "dtype2": "f16"},
            message="kv_bytes(n_kv, d_k, dtype) raised KeyError: 'fp8'",
            reproduce=(
                "kvcontract check contracts/kv-cache-sizing-v1.yaml --only FALSIFY-KV-004 "
                "--example '{n_kv: 1, d_k: 1, dtype: fp8, dtype2: f16}'"
            ),
            replayed=True,
        ),
    ))
    checks = _replace(checks, CheckResult(
        check_id="KANI-KV-001", kind="harness", contract=SIZING, verdict=Verdict.INCONCLUSIVE,
        obligation="KV-INV-001", engine="z3", mode="symbolic-trace bound=4", seconds=10.0, bound=4,
        title="KV bytes positive for bounded configs",
        detail="z3 returned unknown (timeout after 10s, rlimit 5000000)",
    ))
    # The contract itself fails (a size guard), independent of any input: no inputs, no example to keep.
    checks = _replace(checks, CheckResult(
        check_id="PROVE:KV-MON-001", kind="proof", contract=SIZING, verdict=Verdict.ERROR,
        obligation="KV-MON-001", engine="z3", mode="unbounded", seconds=0.01,
        title="KV total monotonic in sequence length",
        detail="the contract cannot be evaluated: zeros(): array of shape (1000000000000,) exceeds 10000000 elements",
        counterexample=Counterexample(
            inputs={}, explanation=[("zeros(10 ** 12)", "<error: zeros(): array of shape (1000000000000,) exceeds "
                                                        "10000000 elements>")],
            yaml_example="- {}\n",
            reproduce="kvcontract check contracts/kv-cache-sizing-v1.yaml --only PROVE:KV-MON-001 --seed 0",
            replayed=True),
    ))
    checks = _replace(checks, _falsify(
        "FALSIFY-KV-005", "GQA shrinks the cache by the group factor", "KV-GQA-001", examples=312,
        seconds=0.57, detail="688 of 1000 draws did not meet the premise n_heads % n_kv == 0",
    ))
    return _run(checks)


def audited_run() -> RunResult:
    """The passing run with its bug zoo: four mutants killed, one survivor."""
    columns = [res.check_id for res in _healthy_checks()]

    def killed(*killers: str) -> dict:
        return {c: ("FALSIFIED" if c in killers else ("VERIFIED_BOUNDED" if c.startswith("KANI") else
                    "PROVED" if c.startswith("PROVE") else "NOT_FALSIFIED")) for c in columns}

    no_factor = {
        "inputs": {"n_kv": 1, "d_k": 1, "dtype": "f16"}, "message": "", "explanation": [],
        "actual": "2", "expected": "4", "yaml_example": "", "reproduce": "", "replayed": True,
    }
    audit = {
        "checks": columns,
        "mutants": [
            {"id": "M-KV-NO-FACTOR-2", "description": "forgets the factor 2 for K and V",
             "symbols": ["kv_bytes"], "expected_killers": ["FALSIFY-KV-001"],
             "killed_by": killed("FALSIFY-KV-001", "CONFORM:total_kv_memory"),
             "counterexample": no_factor, "seconds": 0.05, "survived": False},
            {"id": "M-KV-QUADRATIC-S", "description": "S * S instead of S",
             "symbols": ["kv_total"], "expected_killers": ["FALSIFY-KV-003", "CONFORM:total_kv_memory"],
             "killed_by": killed("CONFORM:total_kv_memory"),
             "counterexample": dict(no_factor, inputs={"L": 1, "S": 2, "n_kv": 1, "d_k": 1, "dtype": "f16"}),
             "seconds": 0.04, "survived": False},
            {"id": "M-KV-F32-AS-F16", "description": "sizes f32 as 2 bytes",
             "symbols": ["kv_bytes"], "expected_killers": ["FALSIFY-KV-004"],
             "killed_by": killed("FALSIFY-KV-004", "CONFORM:total_kv_memory"),
             "counterexample": dict(no_factor, inputs={"n_kv": 1, "d_k": 1, "dtype": "f32", "dtype2": "f16"}),
             "seconds": 0.03, "survived": False},
            {"id": "M-KV-INT32-WRAP", "description": "accumulates in int32 | wraps past 2**31",
             "symbols": ["kv_total"], "expected_killers": ["FALSIFY-KV-006"],
             "killed_by": killed(), "counterexample": None, "seconds": 4.1, "survived": True},
        ],
        "passed": False,
        "problems": [
            "M-KV-INT32-WRAP survived every check: FALSIFY-KV-006 was expected to kill it",
            "M-KV-QUADRATIC-S: expected FALSIFY-KV-003 to kill it, it did not",
        ],
    }
    run = passing_run()
    run.contracts[0].audit = audit
    return run
