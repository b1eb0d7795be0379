"""The GitHub workflows: valid against the published workflow schema (bundled in
check-jsonschema, no network) and wired to the gate and the site as documented."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps(workflow: dict) -> list[dict]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


def uses(workflow: dict) -> set[str]:
    return {s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s}


def test_workflows_match_the_github_schema():
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.skip("check-jsonschema is not installed (dev extra)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 3
    proc = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_runs_the_ci_entry_point_with_python_and_java():
    ci = load("ci.yml")
    assert {"actions/checkout", "actions/setup-python", "actions/setup-java"} <= uses(ci)
    with_ = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps(ci) if "uses" in s}
    assert with_["actions/setup-python"]["python-version"] == "3.11"
    assert str(with_["actions/setup-java"]["java-version"]) == "17"
    assert any(s.get("run") == "bash .ci/run" for s in steps(ci))


def test_benchmarks_gate_runs_on_the_label_and_reports():
    wf = load("benchmarks.yml")
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "labeled" in on["pull_request"]["types"]
    job = wf["jobs"]["gate"]
    assert "'benchmark'" in job["if"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "services/run.sh up" in runs
    assert "tools/bench_gate.py" in runs and "--summary gate-summary.md" in runs
    assert "gh pr comment" in runs
    assert "actions/upload-artifact" in uses(wf)


def test_pages_deploys_html():
    wf = load("pages.yml")
    assert {"actions/upload-pages-artifact", "actions/deploy-pages"} <= uses(wf)
    upload = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "html"
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
