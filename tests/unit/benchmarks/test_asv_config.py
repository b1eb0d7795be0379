"""asv.conf.json: asv ignores keys it does not know, so check every key is one asv reads."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from asv import util
from asv.config import Config

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = "FIRST_MEASURABLE_COMMIT"
# Keys asv reads with getattr(conf, key, default) instead of declaring them on Config.
KNOWN_EXTRA_KEYS = {"version", "build_cache_size"}


@pytest.fixture(scope="module")
def conf() -> dict:
    return util.load_json(str(ROOT / "asv.conf.json"), api_version=1, js_comments=True)


def test_every_key_is_one_asv_reads(conf: dict) -> None:
    known = set(vars(Config())) | KNOWN_EXTRA_KEYS
    assert set(conf) <= known, f"keys asv would silently ignore: {sorted(set(conf) - known)}"


def test_asv_loads_it_with_our_values() -> None:
    loaded = Config.load(str(ROOT / "asv.conf.json"))
    assert loaded.branches == ["main"]
    assert loaded.environment_type == "virtualenv"
    assert loaded.pythons == ["3.11"]
    assert (loaded.results_dir, loaded.html_dir) == ("results", "html")
    assert loaded.show_commit_url.endswith("/commit/")


def test_install_uses_extras_the_project_declares(conf: dict) -> None:
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    wanted = set()
    for command in conf["install_command"]:
        for group in re.findall(r"\{wheel_file\}\[([^\]]+)\]", command):
            wanted.update(group.split(","))
    assert wanted == {"graph", "stream", "parquet"}
    assert wanted <= extras


def test_thresholds_are_fractions_and_patterns_compile(conf: dict) -> None:
    for pattern, threshold in conf["regressions_thresholds"].items():
        re.compile(pattern)
        assert 0 < float(threshold) < 1


def _threshold(conf: dict, entry: str) -> float | None:
    """What asv's regression detection applies to ``entry`` ("name(params)@branch")."""
    matching = [float(v) for p, v in conf["regressions_thresholds"].items() if re.match(p, entry)]
    return max(matching, default=None)


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("generators.Generate.time_generate_batch('persons', 1000)@main", "time"),
        ("reference.time_reference@main", "time"),
        ("generators.Generate.track_entities_per_s('persons', 1000)@main", "throughput"),
        ("streaming.Consume.track_events_per_s@main", "throughput"),
        ("serialization.Serialize.peakmem_events('to_bytes', 'person')@main", "peakmem"),
        ("graph_queries.Queries.track_requests('ubo')@main", "counter"),
        ("scenario.GenerateBank.track_output_bytes(0.01, 'csv')@main", "counter"),
        ("patterns.Inject.track_alloc_peak_bytes('cycle')@main", "counter"),
    ],
)
def test_each_kind_of_benchmark_gets_its_threshold(conf: dict, entry: str, kind: str) -> None:
    expected = {
        "time": _threshold(conf, "x.time_y@main"),
        "throughput": _threshold(conf, "x.track_y_per_s@main"),
        "peakmem": _threshold(conf, "x.peakmem_y@main"),
        "counter": _threshold(conf, "x.track_bytes@main"),
    }
    assert None not in expected.values()
    assert expected["counter"] < expected["peakmem"] < expected["time"]
    assert _threshold(conf, entry) == expected[kind]


def test_first_measured_commit_is_on_main(conf: dict) -> None:
    commits = set(conf["regressions_first_commits"].values())
    if PLACEHOLDER in commits:
        pytest.skip(f"{PLACEHOLDER}: the integrator sets the first measurable commit of main")
    for commit in commits:
        subprocess.run(["git", "merge-base", "--is-ancestor", commit, "main"], cwd=ROOT, check=True)
