"""Side-by-side benchmark of kvcontract against the hand-written yardstick.

Run on demand (never in CI, never as a timed test):

    python benchmarks/run.py --runs 5

Every configuration is run cold (a fresh process) ``--runs`` times, interleaved
round-robin so a noisy neighbour slows all configurations alike, and the median
is reported.  Ratios are computed from medians of the same run.  Per-check
figures (Hypothesis examples per second, Z3 seconds per proof and per harness)
come from kvcontract's own Result JSON of the ``-j1`` sizing runs.

Writes ``benchmarks/results.json`` and prints the markdown table for README.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZING = "contracts/kv-cache-sizing-v1.yaml"


def kvcontract_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "kvcontract", *args]


def configurations(examples: int, with_audit: bool) -> dict[str, list[str]]:
    configs = {
        "hand-written pytest + Hypothesis (6 properties)": [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "benchmarks/handwritten_sizing_test.py",
        ],
        "kvcontract check sizing -j1": kvcontract_cmd(
            "check", SIZING, "-j", "1", "--max-examples", str(examples), "--report-dir", "{tmp}"),
        "kvcontract check sizing, only its 6 falsification tests, -j1": kvcontract_cmd(
            "check", SIZING, "-j", "1", "--max-examples", str(examples), "--report-dir", "{tmp}",
            *[arg for i in range(1, 7) for arg in ("--only", f"FALSIFY-KV-00{i}")]),
        "kvcontract check sizing -j2": kvcontract_cmd(
            "check", SIZING, "-j", "2", "--max-examples", str(examples), "--report-dir", "{tmp}"),
        "kvcontract check contracts/ -j1": kvcontract_cmd(
            "check", "contracts/", "-j", "1", "--max-examples", str(examples), "--report-dir", "{tmp}"),
        "kvcontract check contracts/ -j2": kvcontract_cmd(
            "check", "contracts/", "-j", "2", "--max-examples", str(examples), "--report-dir", "{tmp}"),
    }
    if with_audit:
        configs["kvcontract audit contracts/ -j2"] = kvcontract_cmd(
            "audit", "contracts/", "-j", "2", "--report-dir", "{tmp}")
    return configs


def run_once(cmd: list[str], env: dict) -> tuple[float, int, str]:
    tmp = tempfile.mkdtemp(prefix="kvbench-")
    try:
        argv = [part.replace("{tmp}", tmp) for part in cmd]
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        result_json = ""
        found = sorted(glob.glob(os.path.join(tmp, "*.json")))
        if found:
            result_json = Path(found[0]).read_text()
        return elapsed, proc.returncode, result_json
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def per_check_figures(result_texts: list[str]) -> dict:
    """Medians over runs of per-check timings from kvcontract's Result JSON."""
    per_check: dict[str, list[dict]] = {}
    for text in result_texts:
        if not text:
            continue
        data = json.loads(text)
        for contract in data.get("contracts", []):
            for check in contract["gate"]["checks"]:
                per_check.setdefault(check["check_id"], []).append(check)
    out = {}
    for cid, runs in per_check.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        entry = {"kind": runs[0]["kind"], "engine": runs[0]["engine"], "mode": runs[0]["mode"],
                 "verdict": runs[0]["verdict"], "median_seconds": seconds}
        if runs[0]["engine"] == "hypothesis" and seconds > 0:
            entry["examples"] = runs[0]["examples"]
            entry["examples_per_second"] = statistics.median(
                r["examples"] / r["seconds"] for r in runs if r["seconds"] > 0)
        out[cid] = entry
    return out


def versions() -> dict:
    import hypothesis
    import numpy
    import z3

    return {
        "python": platform.python_version(),
        "hypothesis": hypothesis.__version__,
        "z3": z3.get_version_string(),
        "numpy": numpy.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--no-audit", action="store_true")
    args = parser.parse_args()

    env = dict(os.environ, HANDWRITTEN_EXAMPLES=str(args.examples), PYTHONPATH=str(ROOT))
    env.pop("GITHUB_STEP_SUMMARY", None)
    configs = configurations(args.examples, not args.no_audit)
    times: dict[str, list[float]] = {name: [] for name in configs}
    codes: dict[str, set[int]] = {name: set() for name in configs}
    sizing_results: list[str] = []
    directory_results: list[str] = []
    for i in range(args.runs):
        for name, cmd in configs.items():
            elapsed, code, result_json = run_once(cmd, env)
            times[name].append(elapsed)
            codes[name].add(code)
            if name == "kvcontract check sizing -j1":
                sizing_results.append(result_json)
            if name == "kvcontract check contracts/ -j1":
                directory_results.append(result_json)
            print(f"run {i + 1}/{args.runs}  {name}: {elapsed:.2f}s (exit {code})", file=sys.stderr)

    medians = {name: statistics.median(v) for name, v in times.items()}
    base = medians["hand-written pytest + Hypothesis (6 properties)"]
    report = {
        "versions": versions(),
        "runs": args.runs,
        "examples_per_test": args.examples,
        "wall_seconds": {n: {"median": medians[n], "all": times[n], "exit_codes": sorted(codes[n])}
                         for n in configs},
        "ratio_to_handwritten": {n: medians[n] / base for n in configs},
        "sizing_checks": per_check_figures(sizing_results),
        "z3_checks_all_contracts": {cid: e for cid, e in per_check_figures(directory_results).items()
                                    if "z3" in e["engine"] or e["engine"] == "exhaustive"},
    }
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")

    print("| configuration | median wall time (s) | ratio to hand-written | exit codes |")
    print("|---|---|---|---|")
    for name in configs:
        print(f"| {name} | {medians[name]:.2f} | {medians[name] / base:.2f}x | {sorted(codes[name])} |")
    print()
    print("| check | engine / mode | verdict | median s | examples/s |")
    print("|---|---|---|---|---|")
    for cid, e in sorted(report["sizing_checks"].items()):
        eps = f"{e['examples_per_second']:.0f}" if "examples_per_second" in e else "—"
        print(f"| {cid} | {e['engine']} {e['mode']} | {e['verdict']} | {e['median_seconds']:.3f} | {eps} |")
    print()
    z3 = report["z3_checks_all_contracts"]
    if z3:
        slowest = max(z3.items(), key=lambda item: item[1]["median_seconds"])
        print(f"Z3/exhaustive checks over all contracts: {len(z3)}; slowest {slowest[0]} "
              f"{slowest[1]['median_seconds']:.2f}s; over 1 s: "
              f"{sorted(c for c, e in z3.items() if e['median_seconds'] > 1.0) or 'none'}")
    print(json.dumps(report["versions"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
