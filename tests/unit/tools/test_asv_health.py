"""tools/asv_health.py: a failing benchmark fails the health check, a skipped one does not.

These run real asv (``--python=same``) over a tiny throwaway project, so they check the results
format the tool parses, not a guess of it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


import asv_health  # noqa: E402 - tools/ is on sys.path (conftest.py)
import asv_noise  # noqa: E402


def write_results(results: Path, rows: dict[str, list]) -> None:
    """One results file in asv 0.6's format (what ``asv run`` writes) on machine ``box``."""
    machine = results / "box"
    machine.mkdir(parents=True, exist_ok=True)
    (machine / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    data = {
        "commit_hash": "abc" + "0" * 37,
        "env_name": "env",
        "date": 1_700_000_000_000,
        "params": {"machine": "box", "python": "3.11"},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": ["result", "params", "version"],
        "results": rows,
        "durations": {},
        "version": 2,
    }
    (machine / "abc00000-env.json").write_text(json.dumps(data))


BENCHMARKS = {
    "ok": """
        def time_ok():
            sum(range(100))

        def track_count():
            return 3
    """,
    "skip": """
        def setup():
            raise NotImplementedError("api absent at this commit")

        def time_skipped():
            pass
    """,
    "fail": """
        class Broken:
            params = [[1, 2]]
            param_names = ["n"]

            def time_broken(self, n):
                if n == 2:
                    raise ValueError("boom")
    """,
}


def _project(tmp_path: Path, modules: list[str]) -> Path:
    project = tmp_path / "project"
    (project / "benchmarks").mkdir(parents=True)
    (project / "benchmarks" / "__init__.py").write_text("")
    for name in modules:
        (project / "benchmarks" / f"bench_{name}.py").write_text(textwrap.dedent(BENCHMARKS[name]))
    conf = {
        "version": 1,
        "project": "toy",
        "repo": ".",
        "branches": ["main"],
        "environment_type": "virtualenv",
    }
    (project / "asv.conf.json").write_text("// a comment asv allows\n" + json.dumps(conf))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(["git", "add", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "toy"], cwd=project, check=True)
    return project


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """asv keeps machine names in ~/.asv-machine.json: use a throwaway home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    subprocess.run(
        [sys.executable, "-m", "asv", "machine", "--machine", "toybox", "--yes"],
        check=True,
        capture_output=True,
        env={**os.environ, "HOME": str(home)},
    )
    return home


def _run(project: Path) -> int:
    return asv_health.main(["--config", str(project / "asv.conf.json"), "--machine", "toybox"])


def test_skips_are_healthy(tmp_path: Path, isolated_home: Path, capsys) -> None:
    project = _project(tmp_path, ["ok", "skip"])
    assert _run(project) == 0
    out = capsys.readouterr().out
    assert "2 measured, 1 skipped, 0 failed" in out
    assert "skipped: bench_skip.time_skipped" in out


def test_a_failure_fails_and_is_named_with_its_parameters(
    tmp_path: Path, isolated_home: Path, capsys
) -> None:
    project = _project(tmp_path, ["ok", "skip", "fail"])
    assert _run(project) == 1
    out = capsys.readouterr().out
    assert "FAILED:  bench_fail.Broken.time_broken(2)" in out
    assert "bench_fail.Broken.time_broken(1)" not in out.split("FAILED")[1]


def test_nothing_measured_is_unhealthy(tmp_path: Path, isolated_home: Path, capsys) -> None:
    project = _project(tmp_path, ["skip"])
    assert _run(project) == 1
    assert "fewer than 1 benchmarks measured" in capsys.readouterr().out


def test_summarize_reads_failed_skipped_and_measured(tmp_path: Path) -> None:
    write_results(
        tmp_path,
        {
            "m.time_x": [[1.0, None, float("nan")], [["'a'", "'b'", "'c'"]], "v"],
            "m.time_y": [None, [["1", "2"]], "v"],  # failed as a whole (setup_cache, build)
        },
    )
    summary = asv_health.summarize(tmp_path)
    assert summary.measured == ["m.time_x('a')"]
    assert summary.failed == ["m.time_x('b')", "m.time_y(1)", "m.time_y(2)"]
    assert summary.skipped == ["m.time_x('c')"]
    assert not summary.healthy


def test_noise_reads_measured_values_with_asvs_labels(tmp_path: Path) -> None:
    write_results(tmp_path, {"m.time_x": [[1.0, None, float("nan")], [["'a'", "1", "2"]], "v"]})
    assert asv_noise.values_by_benchmark(tmp_path) == {"m.time_x('a')": 1.0}


def test_noise_spread_is_range_over_median_of_benchmarks_measured_every_run() -> None:
    noise = asv_noise
    runs = [
        {"a.time_x": 1.0, "a.track_n": 5.0, "b.time_y": 2.0},
        {"a.time_x": 1.2, "a.track_n": 5.0},
    ]
    runs.append({"a.time_x": 0.9, "a.track_n": 5.0})
    assert noise.spreads(runs) == {"a.time_x": pytest.approx(0.3), "a.track_n": 0.0}
    assert noise.kind_of("m.C.track_events_per_s('lz4')") == "track (throughput)"
    assert noise.kind_of("m.C.peakmem_load('batched')") == "peakmem"


def test_fail_on_skip_turns_a_skip_into_a_failure(tmp_path: Path, capsys) -> None:
    write_results(tmp_path, {"m.time_x": [[1.0, float("nan")], [["'a'", "'b'"]], "v"]})
    assert asv_health.main(["--results", str(tmp_path)]) == 0
    assert asv_health.main(["--results", str(tmp_path), "--fail-on-skip"]) == 1
    assert "API renamed?" in capsys.readouterr().out


def test_allowed_skips_do_not_fail_fail_on_skip_and_others_still_do(tmp_path: Path, capsys) -> None:
    engines = [["'tinkergraph'", "'janusgraph'"], ["'batched'"]]
    write_results(tmp_path, {"g.Load.time_load": [[0.02, float("nan")], engines, "v"]})
    args = ["--results", str(tmp_path), "--fail-on-skip"]
    assert asv_health.main(args) == 1
    assert asv_health.main([*args, "--allow-skip", "'janusgraph'"]) == 0
    out = capsys.readouterr().out
    assert "1 measured, 1 skipped (1 allowed), 0 failed" in out
    assert "skipped: g.Load.time_load('janusgraph', 'batched') (allowed)" in out
    assert asv_health.main([*args, "--allow-skip", "'neo4j'"]) == 1
    assert asv_health.main([*args, "--allow-skip", "("]) == 2
    assert capsys.readouterr().err.count("\n") == 1
