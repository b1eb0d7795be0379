"""Proof by experiment: on a temporary repository with an injected ~30% slowdown, the gate flags
exactly the slow commit (twice, no false positive on the docs-only commit or any other) and the
culprit finder pins it from a published range of 8 commits, building at most
ceil(log2(8)) + 2 = 5 commits.

Real asv runs (virtualenv environments, real timings); takes a few minutes on 2 busy cores. The
measured ratios are printed (run with -s) and written to test-artifacts/gate-experiment.json.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from benchgate import culprit, gate
from experiment_repo import build

pytestmark = pytest.mark.slow

TIME = "bench_people.PersonGenerate.time_generate_batch(4000)"
COUNTER = "bench_people.PersonGenerateAllocations.track_alloc_peak_bytes(4000)"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _asv(root: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "asv", *args], cwd=root, check=True, capture_output=True)


def _result_files(root: Path, machine: str) -> set[str]:
    return {p.name for p in (root / "results" / machine).glob("*.json") if p.name != "machine.json"}


def test_gate_and_culprit_pin_the_injected_regression(tmp_path, monkeypatch):
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not available")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # asv's machine file stays private
    (tmp_path / "home").mkdir()
    exp = build(tmp_path / "repo")
    started = time.monotonic()

    # 1. The gate, commit by commit along the branch, twice.
    commits = [exp.base, *exp.branch]
    runs: list[list[dict]] = []
    for attempt in (1, 2):
        rows = []
        for before, after in itertools.pairwise(commits):
            out = tmp_path / f"gate-{attempt}-{after[:8]}.json"
            code = gate.run(
                [
                    before,
                    after,
                    "--root",
                    str(exp.root),
                    "--machine",
                    "gate-exp",
                    "--json",
                    str(out),
                ]
            )
            verdict = json.loads(out.read_text())
            by_name = {b["name"]: b for b in verdict["benchmarks"]}
            rows.append(
                {
                    "commit": after,
                    "exit": code,
                    "time": by_name.get(TIME, {}),
                    "counter": by_name.get(COUNTER, {}),
                }
            )
        runs.append(rows)
    gate_seconds = time.monotonic() - started
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "gate-experiment-runs.json").write_text(json.dumps(runs, indent=2))

    for rows in runs:
        flagged = [r["commit"] for r in rows if r["exit"] == 1]
        assert [r["exit"] for r in rows if r["exit"] not in (0, 1)] == []
        assert flagged == [exp.slow], rows
        slow = next(r for r in rows if r["commit"] == exp.slow)
        docs = next(r for r in rows if r["commit"] == exp.docs)
        # The deterministic counter sees the extra pass exactly; the timing row is recorded
        # (test-artifacts/gate-experiment.json) but not asserted: on 2 busy hyperthreads a
        # whole interleaved round can run 50% slow, so timing alone is not a stable oracle.
        assert slow["counter"]["status"] == "regression"
        assert docs["time"]["status"] not in ("regression", "failed")
        assert docs["counter"]["status"] == "unchanged"

    # 2. History with only the two ends of the branch measured, published: the site shows the
    #    regression over a range of 8 commits.
    started_culprit = time.monotonic()
    _asv(exp.root, "machine", "--yes", "--machine", "exp-box")
    for c in (exp.base, exp.branch[-1]):
        _asv(exp.root, "run", "--machine", "exp-box", f"{c}^!")
    _asv(exp.root, "publish")
    regressions = json.loads((exp.root / "html" / "regressions.json").read_text())
    names = {r[0] for r in regressions["regressions"]}
    assert TIME in names or COUNTER in names, regressions

    # 3. The finder pins the slow commit, counting the commits it builds two ways.
    before_files = _result_files(exp.root, "exp-box")
    out = tmp_path / "culprits.json"
    code = culprit.run(["--root", str(exp.root), "--html", "html", "--write", "--json", str(out)])
    culprit_seconds = time.monotonic() - started_culprit
    found = json.loads(out.read_text())
    built_files = _result_files(exp.root, "exp-box") - before_files
    assert code == 0, json.dumps(found, indent=1)
    assert found["culprits"], found
    for c in found["culprits"]:
        assert c["culprit"] == exp.slow, c
        assert c["range_size"] == 8
    budget = math.ceil(math.log2(8)) + 2
    assert len(found["built"]) <= budget
    assert len(built_files) == len(found["built"])
    site = json.loads((exp.root / "html" / "culprits.json").read_text())
    assert {c["culprit"] for c in site["culprits"]} == {exp.slow}
    assert "culprits.html" in (exp.root / "html" / "index.html").read_text()
    assert exp.slow[:8] in (exp.root / "html" / "culprits.html").read_text()

    record = {
        "gate_seconds": round(gate_seconds, 1),
        "culprit_seconds_including_history": round(culprit_seconds, 1),
        "culprit_builds": len(found["built"]),
        "budget": budget,
        "runs": [
            [
                {
                    "commit": r["commit"][:8],
                    "exit": r["exit"],
                    "time_ratio": r["time"].get("ratio"),
                    "time_status": r["time"].get("status"),
                    "evidence": r["time"].get("evidence"),
                    "p": r["time"].get("p"),
                    "counter_ratio": r["counter"].get("ratio"),
                }
                for r in rows
            ]
            for rows in runs
        ],
        "slow": exp.slow[:8],
        "docs": exp.docs[:8],
        "cpu_count": os.cpu_count(),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "gate-experiment.json").write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
