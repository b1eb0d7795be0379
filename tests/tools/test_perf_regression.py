"""tools/perf_regression.py: the compare gate fails on a slowdown beyond the factor, not below
it, and a saved baseline keeps each benchmark's best run.

The gate's arguments run through real pytest-benchmark on a one-benchmark suite; the baseline is
doctored (its times scaled) instead of making the code slower, so the outcome does not depend
on how loaded the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import perf_regression
import pytest
from benchgate.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]
# Only pytest-benchmark (no other plugin to import) and few rounds: three runs in seconds.
QUICK = ["-q", "-p", "pytest_benchmark.plugin", "--benchmark-max-time=0.05"]

SUITE = """
def test_sum(benchmark):
    assert benchmark(sum, range(2_000)) == 1_999_000
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "test_toy_bench.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the project's addopts
    return tmp_path


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


def _scaled(report: dict, factor: float) -> dict:
    for bench in report["benchmarks"]:
        for key in ("min", "max", "mean", "median"):
            bench["stats"][key] *= factor
    return report


def test_a_run_like_the_baseline_passes(suite, monkeypatch, capsys):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    baseline = _saved_run(suite, 100.0)  # the baseline was 100x slower: no regression
    data = json.loads(baseline.read_text())
    assert "data" not in data["benchmarks"][0]["stats"]  # stats only, no raw timings
    assert perf_regression.compare(baseline, QUICK, str(suite), cwd=suite) == 0
    assert "no regression" in capsys.readouterr().out


def _bench(name: str, value: float, timer: str) -> dict:
    return {"fullname": name, "stats": {"min": value}, "options": {"timer": timer}}


def test_wall_clock_slowdowns_are_corrected_by_the_round_trip_of_the_same_run():
    trip = "suite.py::test_query_round_trip"
    baseline = {
        "benchmarks": [
            _bench("suite.py::cpu", 1.0, "process_time"),
            _bench("suite.py::query", 1.0, "perf_counter"),
            _bench("suite.py::slow_query", 1.0, "perf_counter"),
            _bench(trip, 1.0, "perf_counter"),
        ]
    }
    loaded = {  # the machine is 2x slower for every request; one query really got 3x slower
        "benchmarks": [
            _bench("suite.py::cpu", 2.0, "process_time"),
            _bench("suite.py::query", 2.0, "perf_counter"),
            _bench("suite.py::slow_query", 6.0, "perf_counter"),
            _bench(trip, 2.0, "perf_counter"),
        ]
    }
    ratios = perf_regression.slowdowns(loaded, baseline)
    assert ratios == {"suite.py::cpu": 2.0, "suite.py::query": 1.0, "suite.py::slow_query": 3.0,
                      trip: 2.0}  # fmt: skip
    assert perf_regression.regressed(loaded, baseline, 2.25) == ["suite.py::slow_query"]
    # A faster round trip never inflates the others.
    quiet = {"benchmarks": [_bench("suite.py::query", 3.0, "perf_counter"), _bench(trip, 0.5,
             "perf_counter")]}  # fmt: skip
    assert perf_regression.slowdowns(quiet, baseline)["suite.py::query"] == 3.0


FLAKY = """
import pathlib, time

def test_flaky(benchmark):
    first = pathlib.Path("first-run-done")
    slow = not first.exists()
    first.touch()
    benchmark(time.sleep, 0.05 if slow else 0.001)  # a noise spike in the first run only
"""


def _saved_run(suite: Path, factor: float = 1.0) -> Path:
    """A baseline from a real run of the toy suite, its times scaled by ``factor``."""
    report = suite / "run.json"
    saved = _run(perf_regression.save_command(report, QUICK, str(suite)), suite)
    assert saved.returncode == 0, saved.stdout + saved.stderr
    baseline = suite / "base.pytest-benchmark"
    data = _scaled(perf_regression.strip_raw_timings(json.loads(report.read_text())), factor)
    baseline.write_text(json.dumps(data))
    return baseline


def test_regression_in_one_run_only_is_noise(suite, monkeypatch, capsys):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    (suite / "test_toy_bench.py").write_text(FLAKY)
    (suite / "first-run-done").touch()
    baseline = _saved_run(suite)  # the fast path: 1 ms
    (suite / "first-run-done").unlink()
    assert perf_regression.compare(baseline, QUICK, str(suite), cwd=suite) == 0
    assert "it was noise" in capsys.readouterr().out


def test_regression_in_every_run_fails_and_a_failing_test_fails_at_once(suite, monkeypatch, capsys):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    baseline = _saved_run(suite, 0.01)  # today's code is "100x slower" than the baseline
    assert perf_regression.compare(baseline, QUICK, str(suite), cwd=suite) == 1
    out = capsys.readouterr().out
    assert "re-running the 1 that regressed" in out
    assert "regressed in all 3 runs: test_toy_bench.py::test_sum" in out
    # A wrong result is a failure on the spot, not something to re-run.
    (suite / "test_toy_bench.py").write_text(SUITE.replace("1_999_000", "0"))
    assert perf_regression.compare(baseline, QUICK, str(suite), cwd=suite) != 0
    assert "re-running" not in capsys.readouterr().out


def test_the_factor_catches_3x_and_tolerates_the_measured_noise():
    """The committed thresholds file: past the 2.6x one noisy run showed, below 3x, confirmed."""
    policy = load_policy(None)
    assert perf_regression.FAIL_STAT == "min"
    assert 2.0 < policy.pytest_benchmark_factor < 3.0 and policy.pytest_benchmark_runs >= 2


def test_the_compare_reads_its_factor_and_runs_from_the_thresholds_file(suite, monkeypatch, capsys):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    baseline = _saved_run(suite, 0.01)  # today's code is "100x slower" than the baseline
    lenient = suite / "thresholds.json"
    lenient.write_text(json.dumps({"pytest_benchmark_factor": 1000, "pytest_benchmark_runs": 1}))
    assert perf_regression.compare(baseline, QUICK, str(suite), suite, lenient) == 0
    strict = suite / "strict.json"
    strict.write_text(json.dumps({"pytest_benchmark_runs": 1}))
    assert perf_regression.compare(baseline, QUICK, str(suite), suite, strict) == 1
    assert "regressed in all 1 runs" in capsys.readouterr().out


def test_best_of_keeps_each_benchmarks_fastest_run():
    def report(mins: dict[str, float]) -> dict:
        return {
            "benchmarks": [
                {"fullname": name, "stats": {"min": value, "mean": value * 2}}
                for name, value in mins.items()
            ],
            "machine_info": {"node": "x"},
        }

    merged = perf_regression.best_of(
        [report({"a": 3.0, "b": 1.0}), report({"a": 1.0, "b": 2.0}), report({"a": 2.0, "b": 5.0})]
    )
    assert [(b["fullname"], b["stats"]["min"]) for b in merged["benchmarks"]] == [
        ("a", 1.0),
        ("b", 1.0),
    ]
    assert merged["benchmarks"][0]["stats"]["mean"] == 2.0  # whole entries, not mixed stats
    assert merged["machine_info"] == {"node": "x"}


def test_committed_baseline_covers_every_benchmark_of_the_suite():
    """A benchmark missing from the baseline is never compared: re-save after adding one."""
    baseline = perf_regression.BASELINE
    if not baseline.is_file():
        pytest.skip("no committed baseline")
    saved = {b["fullname"] for b in json.loads(baseline.read_text())["benchmarks"]}
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", perf_regression.SUITE, "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tests = {line for line in collected.splitlines() if "::test_" in line}
    assert tests and tests == saved


def test_baseline_name_is_not_read_by_asv_as_a_results_file():
    """asv loads every *.json under results/ as results; the baseline must not be one."""
    assert not perf_regression.BASELINE.name.endswith(".json")
    assert perf_regression.BASELINE.parent.parent.name == "results"
