"""Loading asv results files written by asv itself, rendering the verdict, infra exit codes."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

from asv.results import Results
from asv.runner import BenchmarkResult
from benchgate import gate
from benchgate.decide import ExitCode, compare_sets
from benchgate.model import Kind, Measurement
from benchgate.policy import Policy
from benchgate.results import load_commit
from benchgate.summary import Report, human, render_markdown

COMMIT_A = "1" * 40
COMMIT_B = "2" * 40
TIME = {
    "name": "gen.Generate.time_batch",
    "version": "v1",
    "params": [["1000", "10000"]],
    "param_names": ["n"],
    "type": "time",
    "unit": "seconds",
}
COUNTER = {
    "name": "gen.GenerateAllocations.track_alloc_peak_bytes",
    "version": "v1",
    "params": [],
    "param_names": [],
    "type": "track",
    "unit": "bytes",
}
RATE = {
    "name": "gen.Generate.track_entities_per_s",
    "version": "v1",
    "params": [],
    "param_names": [],
    "type": "track",
    "unit": "entities/s",
}


def save(results_dir: Path, commit: str, slow: float, peak: float, fail_big: bool = False):
    res = Results(
        {"machine": "box", "python": "3.11"}, {}, commit, 0, "3.11", "virtualenv-py3.11", {}
    )
    fast = [1.0 + i * 0.001 for i in range(12)]
    samples = [[x * slow for x in fast], None if fail_big else [x * 10 * slow for x in fast]]
    values = [sorted(s)[6] if s else None for s in samples]
    res.add_result(
        TIME,
        BenchmarkResult(values, samples, [{"number": 1, "repeat": 12}] * 2, 0, "", None),
        record_samples=True,
    )
    res.add_result(COUNTER, BenchmarkResult([peak], [None], [None], 0, "", None))
    res.add_result(RATE, BenchmarkResult([1000.0 / slow], [None], [None], 0, "", None))
    res.save(str(results_dir))
    (results_dir / "box" / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    (results_dir / "benchmarks.json").write_text(
        json.dumps({b["name"]: b for b in (TIME, COUNTER, RATE)} | {"version": 2})
    )


def test_load_commit_unrolls_params_and_kinds(tmp_path: Path):
    save(tmp_path, COMMIT_A, 1.0, 1000.0, fail_big=True)
    got = load_commit(tmp_path, "box", COMMIT_A, Policy())
    assert set(got) == {
        "gen.Generate.time_batch(1000)",
        "gen.Generate.time_batch(10000)",
        "gen.GenerateAllocations.track_alloc_peak_bytes",
        "gen.Generate.track_entities_per_s",
    }
    small = got["gen.Generate.time_batch(1000)"]
    assert small.kind is Kind.TIME and small.params == ("1000",)
    assert small.samples is not None and len(small.samples) == 12
    assert got["gen.Generate.time_batch(10000)"].failed
    assert got["gen.GenerateAllocations.track_alloc_peak_bytes"].kind is Kind.COUNTER
    assert got["gen.Generate.track_entities_per_s"].kind is Kind.THROUGHPUT
    assert load_commit(tmp_path, "box", COMMIT_B, Policy()) == {}


def test_end_to_end_decision_and_markdown(tmp_path: Path):
    save(tmp_path, COMMIT_A, 1.0, 1000.0)
    save(tmp_path, COMMIT_B, 1.4, 1500.0, fail_big=True)
    before = load_commit(tmp_path, "box", COMMIT_A, Policy())
    after = load_commit(tmp_path, "box", COMMIT_B, Policy())
    comps = compare_sets(before, after, Policy())
    statuses = {c.name: str(c.status) for c in comps}
    assert statuses["gen.Generate.time_batch(1000)"] == "regression"
    assert statuses["gen.Generate.time_batch(10000)"] == "failed"
    assert statuses["gen.GenerateAllocations.track_alloc_peak_bytes"] == "regression"
    assert statuses["gen.Generate.track_entities_per_s"] == "regression"
    report = Report(COMMIT_A, COMMIT_B, "box", ExitCode.BENCHMARK_FAILED, comps)
    text = render_markdown(report)
    assert "BENCHMARK FAILED (exit 2)" in text
    assert "### Failed at head (1)" in text and "### Regressions (3)" in text
    # Timings show the median of the fastest share of samples (the undisturbed mode).
    assert "| `gen.Generate.time_batch(1000)` | time | 1s | 1.4s | 1.40 |" in text
    assert json.loads(json.dumps(report.to_json()))["exit_code"] == 2


def test_human_values():
    assert human(0.0015, "seconds") == "1.5ms"
    assert human(2_500_000, "bytes") == "2.38M"
    assert human(None, "seconds") == "failed"
    assert human(math.nan, "bytes") == "skipped"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "asv.conf.json").write_text(json.dumps({"version": 1, "repo": "."}))
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "one"], cwd=repo, check=True)
    return repo


def test_unknown_commit_and_bad_usage_are_infrastructure(tmp_path: Path, capsys):
    repo = _repo(tmp_path)
    out = tmp_path / "v.json"
    code = gate.run(["no-such-rev", "HEAD", "--root", str(repo), "--json", str(out)])
    assert code == 3
    verdict = json.loads(out.read_text())
    assert verdict["exit_code"] == 3 and "unknown commit: no-such-rev" in verdict["error"]
    assert "unknown commit" in capsys.readouterr().err
    try:
        gate.run(["HEAD"])
    except SystemExit as exc:
        assert exc.code == 3
    else:
        raise AssertionError("missing HEAD argument must exit")


def test_missing_config_and_bad_thresholds_are_infrastructure(tmp_path: Path):
    repo = _repo(tmp_path)
    (repo / "asv.conf.json").unlink()
    assert gate.run(["HEAD", "HEAD", "--root", str(repo)]) == 3
    bad = tmp_path / "t.json"
    bad.write_text("{")
    assert gate.run(["HEAD", "HEAD", "--root", str(repo), "--thresholds", str(bad)]) == 3


def test_summary_has_a_decided_by_column_and_an_instructions_area():
    key = "gen.GenerateInstructions.track_instructions_generate_batch"
    m = {
        v: Measurement(f"{key}(10)", key, ("10",), Kind.INSTRUCTIONS, "instructions", v)
        for v in (1_000_000.0, 1_030_000.0)
    }
    comps = compare_sets({"x": m[1_000_000.0]}, {"x": m[1_030_000.0]}, Policy())
    text = render_markdown(Report("a" * 40, "b" * 40, "gate", ExitCode.REGRESSION, comps))
    assert "| Decided by |" in text
    assert "| instructions | 1,000,000 | 1,030,000 | 1.0300 | 1.01 | instructions |" in text


def test_every_tool_names_an_entry_as_the_gate_does(tmp_path: Path):
    """One reader, one label: the gate, the health check, the noise tool and the report see the
    same entries of the same file under asv's names."""
    import asv_health
    import asv_noise
    import perf_report

    save(tmp_path, COMMIT_A, 1.0, 1000.0, fail_big=True)
    gate_names = set(load_commit(tmp_path, "box", COMMIT_A, Policy()))
    health = asv_health.summarize(tmp_path)
    assert set(health.measured) | set(health.failed) == gate_names
    assert health.failed == ["gen.Generate.time_batch(10000)"]
    measured = gate_names - set(health.failed)
    assert set(asv_noise.values_by_benchmark(tmp_path)) == measured
    full, values = perf_report.load_commit(tmp_path, "box", COMMIT_A[:8])
    assert full == COMMIT_A
    assert {f"{key}({label})" if label else key for key, label in values} == measured
