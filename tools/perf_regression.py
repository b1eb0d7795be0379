"""Run the pytest-benchmark regression suite against the committed baseline, or re-save it.

    python tools/perf_regression.py            # run tests/benchmarks, fail on a slowdown
    python tools/perf_regression.py --save     # run it and rewrite the baseline
    python tools/perf_regression.py -- -k generate   # anything after -- goes to pytest

The baseline is ``results/pytest-benchmark/baseline.pytest-benchmark``: pytest-benchmark's
saved-run JSON (stats only, no raw timings), under a name that does not end in ``.json`` so
asv, which reads every ``*.json`` below its ``results/`` as a results file, passes over it.
A benchmark fails the comparison when its ``min`` is more than ``pytest_benchmark_factor``
times the baseline's in each of ``pytest_benchmark_runs`` runs (tools/bench_thresholds.json,
beside the gate's and the site's thresholds): what regressed in the first run is re-run to
confirm.
Wall-clock benchmarks (consumer, graph queries) are first divided by the slowdown of the
trivial round trip measured in the same run, the load the machine adds to every request
(README, "Performance regression tests", has the measured noise behind both choices).
pytest-benchmark prints its comparison table; the verdict is this tool's, since
``--benchmark-compare-fail`` can neither re-run nor correct for load.

``--save`` runs the suite five times and keeps each benchmark's best run (``best_of``).
Saving requires the services (``BANKING_REQUIRE_SERVICES=1``): a baseline without the
streaming and graph benchmarks would silently stop guarding them. Exit status: 0 no
regression, 1 a confirmed regression, else pytest's (a failing test), 2 no baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from benchgate.policy import PolicyError, load_policy

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "results" / "pytest-benchmark" / "baseline.pytest-benchmark"
SUITE = "tests/benchmarks"
# The factor and the number of runs are in tools/bench_thresholds.json (docs/regressions.md,
# "Thresholds"): a 3x slowdown fails against a best-of-5 baseline; with no code change one
# run's min came out up to 2.6x the baseline, never in every run.
FAIL_STAT = "min"
ROUND_TRIP = "::test_query_round_trip"  # the services' latency under the current load


def compare_command(baseline: Path, extra: list[str], *targets: str) -> list[str]:
    """pytest over ``targets`` (the suite, or some of its benchmarks by node id), its table
    compared with the baseline; the verdict is ``regressed``'s."""
    return [
        sys.executable, "-m", "pytest", *(targets or [SUITE]), "-p", "no:cacheprovider",
        f"--benchmark-compare={baseline}", *extra,
    ]  # fmt: skip


def slowdowns(report: dict, baseline: dict) -> dict[str, float]:
    """``FAIL_STAT`` now / in the baseline, per benchmark in both. Wall-clock benchmarks (the
    services' latency) are divided by the slowdown of ``ROUND_TRIP`` in the same run when it
    is slower than in the baseline: load on the machine delays every request alike, a slower
    query only that query. The round trip itself is judged on its own ratio."""
    before = {b["fullname"]: b["stats"][FAIL_STAT] for b in baseline["benchmarks"]}
    ratios = {
        b["fullname"]: b["stats"][FAIL_STAT] / before[b["fullname"]]
        for b in report["benchmarks"]
        if b["fullname"] in before and before[b["fullname"]] > 0
    }
    load = max(1.0, next((r for n, r in ratios.items() if n.endswith(ROUND_TRIP)), 1.0))
    wall = {b["fullname"] for b in report["benchmarks"] if b["options"]["timer"] == "perf_counter"}
    return {
        name: ratio / load if name in wall and not name.endswith(ROUND_TRIP) else ratio
        for name, ratio in ratios.items()
    }


def regressed(report: dict, baseline: dict, factor: float) -> list[str]:
    """Benchmarks more than ``factor`` times slower than the baseline (pytest-benchmark's
    ``--benchmark-compare-fail=min:X%`` with X = (factor - 1) x 100, on the load-corrected
    ratios of ``slowdowns``)."""
    return [name for name, ratio in slowdowns(report, baseline).items() if ratio > factor]


def test_failures(junit: Path) -> int:
    """Failed or errored tests in a JUnit report (a performance regression is neither: the
    plugin raises it after the session)."""
    if not junit.is_file():
        return -1
    root = ElementTree.parse(junit).getroot()
    return sum(
        len(case.findall("failure")) + len(case.findall("error")) for case in root.iter("testcase")
    )


def save_command(report: Path, extra: list[str], suite: str = SUITE) -> list[str]:
    return [
        sys.executable, "-m", "pytest", suite, "-p", "no:cacheprovider",
        f"--benchmark-json={report}", *extra,
    ]  # fmt: skip


def strip_raw_timings(report: dict) -> dict:
    """The run without per-round timings (what ``--benchmark-save`` keeps): small, reviewable."""
    for bench in report.get("benchmarks", []):
        bench.get("stats", {}).pop("data", None)
    return report


def best_of(reports: list[dict]) -> dict:
    """The first report, with each benchmark taken from the run where its ``min`` was lowest.

    On a shared machine a whole run can be up to 2x slower than another; a baseline from such a
    run would hide a real slowdown. The best of several runs is close to the machine's speed
    when quiet, so noise only ever makes a later run look slower, never a regression faster.
    """
    merged = reports[0]
    best: dict[str, dict] = {}
    for report in reports:
        for bench in report["benchmarks"]:
            kept = best.get(bench["fullname"])
            if kept is None or bench["stats"]["min"] < kept["stats"]["min"]:
                best[bench["fullname"]] = bench
    merged["benchmarks"] = [best[b["fullname"]] for b in merged["benchmarks"]]
    return merged


def save(baseline: Path, runs: int, extra: list[str]) -> int:
    env = {**os.environ, "BANKING_REQUIRE_SERVICES": "1"}
    reports = []
    with tempfile.TemporaryDirectory(prefix="perf-baseline-") as tmp:
        for run in range(runs):
            report = Path(tmp) / f"run{run}.json"
            status = subprocess.run(save_command(report, extra), cwd=ROOT, env=env).returncode
            if status != 0 or not report.is_file():
                print(
                    f"perf_regression: run failed (exit {status}); baseline kept", file=sys.stderr
                )
                return status or 1
            reports.append(strip_raw_timings(json.loads(report.read_text())))
    data = best_of(reports)
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"perf_regression: {len(data['benchmarks'])} benchmarks, best of {runs} runs: {baseline}")
    return 0


def compare(
    baseline: Path,
    extra: list[str],
    suite: str = SUITE,
    cwd: Path = ROOT,
    thresholds: Path | None = None,
) -> int:
    """Run the suite against the baseline; re-run what regressed, up to
    ``pytest_benchmark_runs`` runs in all, and fail only on what regressed every time (a real
    slowdown does; a noise spike on a shared machine does not). A failing test fails at once,
    whatever the timings."""
    policy = load_policy(thresholds)
    factor, attempts = policy.pytest_benchmark_factor, policy.pytest_benchmark_runs
    saved = json.loads(baseline.read_text())
    round_trip = [b["fullname"] for b in saved["benchmarks"] if b["fullname"].endswith(ROUND_TRIP)]
    targets = [suite]
    with tempfile.TemporaryDirectory(prefix="perf-compare-") as tmp:
        for attempt in range(1, attempts + 1):
            report, junit = Path(tmp) / f"run{attempt}.json", Path(tmp) / f"run{attempt}.xml"
            outputs = [f"--benchmark-json={report}", f"--junitxml={junit}"]
            with_load = targets + [n for n in round_trip if attempt > 1 and n not in targets]
            status = subprocess.run(
                compare_command(baseline, [*extra, *outputs], *with_load), cwd=cwd
            ).returncode
            if status != 0 or test_failures(junit) != 0 or not report.is_file():
                return status or 1
            now = regressed(json.loads(report.read_text()), saved, factor)
            targets = [name for name in now if attempt == 1 or name in targets]
            if not targets:
                if attempt > 1:
                    print(f"perf_regression: no regression in run {attempt}: it was noise")
                else:
                    print("perf_regression: no regression")
                return 0
            if attempt < attempts:
                print(f"perf_regression: re-running the {len(targets)} that regressed to confirm")
    print(f"perf_regression: regressed in all {attempts} runs: " + ", ".join(targets))
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--save", action="store_true", help="rewrite the baseline from this run")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument(
        "--thresholds", type=Path, help="thresholds file (default tools/bench_thresholds.json)"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="with --save: runs to take each benchmark's best from"
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args(argv)
    if args.save:
        return save(args.baseline.resolve(), max(1, args.runs), args.pytest_args)
    if not args.baseline.is_file():
        print(
            f"perf_regression: no baseline at {args.baseline}; "
            "create it with: python tools/perf_regression.py --save",
            file=sys.stderr,
        )
        return 2
    try:
        return compare(args.baseline.resolve(), args.pytest_args, thresholds=args.thresholds)
    except PolicyError as exc:
        print(f"perf_regression: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
