"""Reading asv's published regressions, classifying probes, writing the culprits page."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from benchgate.culprit import Signal, probe_regex, run
from benchgate.model import Kind, Measurement
from benchgate.site import NAV_LINK, NAV_MARKER, SiteError, read_jumps, write_site

A, B, C = "a" * 40, "b" * 40, "c" * 40
GRAPH = "graphs/branch-main/machine-refbox/python-3.11/generators.Generate.time_generate_batch.json"


def make_site(html: Path, regressions: list) -> Path:
    html.mkdir(parents=True, exist_ok=True)
    (html / "regressions.json").write_text(json.dumps({"regressions": regressions}))
    (html / "index.json").write_text(
        json.dumps(
            {
                "revision_to_hash": {"3": A, "7": B, "9": C},
                "show_commit_url": "https://example.invalid/commit/",
            }
        )
    )
    (html / "index.html").write_text(f"<ul>\n\t{NAV_MARKER}<a>Regressions</a></li>\n</ul>")
    return html


def test_read_jumps_maps_revisions_to_commits(tmp_path: Path):
    name = "generators.Generate.time_generate_batch('persons', 1000)"
    html = make_site(
        tmp_path / "html",
        [[name, GRAPH, {}, 0, 2.0, 1.0, [[3, 7, 1.0, 1.5], [None, 9, 1.5, 2.0]]]],
    )
    jumps = read_jumps(html)
    assert [(j.good, j.bad, j.before, j.after) for j in jumps] == [
        (A, B, 1.0, 1.5),
        (None, C, 1.5, 2.0),
    ]
    assert {j.machine for j in jumps} == {"refbox"}
    assert {j.name for j in jumps} == {name}


def test_read_jumps_rejects_a_folder_that_is_not_a_site(tmp_path: Path):
    with pytest.raises(SiteError):
        read_jumps(tmp_path)
    bad = make_site(tmp_path / "html", [["x", GRAPH, {}]])
    with pytest.raises(SiteError):
        read_jumps(bad)


def project_with_one_jump_commit(tmp_path: Path, subject: str, regressions: list):
    """A one-commit asv project whose published site lists ``regressions`` at revision 9, the
    commit itself (a single-commit range: nothing to build)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "asv.conf.json").write_text(json.dumps({"version": 1, "repo": "."}))
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", subject], cwd=repo, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    html = make_site(repo / "html", regressions)
    index = json.loads((html / "index.json").read_text())
    index["revision_to_hash"]["9"] = head
    (html / "index.json").write_text(json.dumps(index))
    return repo, html, head


TIME_JUMP = ["m.C.time_x", GRAPH, {}, None, 2.0, 1.0, [[None, 9, 1.0, 2.0]]]


def test_single_commit_jumps_are_reported_without_building(tmp_path: Path):
    repo, html, head = project_with_one_jump_commit(tmp_path, "the culprit", [TIME_JUMP])
    out = tmp_path / "c.json"
    code = run(["--root", str(repo), "--html", "html", "--write", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text())
    assert data["built"] == []
    assert data["culprits"][0]["culprit"] == head
    page = (html / "culprits.html").read_text()
    assert head[:8] in page and "the culprit" in page
    assert NAV_LINK in (html / "index.html").read_text()


def test_a_rising_rate_is_an_improvement_not_a_culprit(tmp_path: Path, capsys):
    """asv lists every rise as a regression; for a `track_*_per_s` rate it is a speed-up."""
    rate_jump = ["m.C.track_events_per_s", GRAPH, {}, None, 2.0, 1.0, [[None, 9, 100.0, 200.0]]]
    repo, _, _ = project_with_one_jump_commit(tmp_path, "faster", [rate_jump, TIME_JUMP])
    out = tmp_path / "c.json"
    assert run(["--root", str(repo), "--html", "html", "--json", str(out)]) == 0
    assert [c["benchmark"] for c in json.loads(out.read_text())["culprits"]] == ["m.C.time_x"]
    assert "1 rise(s) of a rate left out" in capsys.readouterr().out


def test_write_site_links_the_page_once(tmp_path: Path):
    html = make_site(tmp_path / "html", [])
    write_site(html, [])
    write_site(html, [])
    assert (html / "index.html").read_text().count(NAV_LINK) == 1
    assert json.loads((html / "culprits.json").read_text()) == {"culprits": []}
    assert "No published regression" in (html / "culprits.html").read_text()


def _m(name: str, value: float, kind: Kind = Kind.TIME) -> Measurement:
    return Measurement(name, name.split("(")[0], (), kind, "", value)


def test_signal_by_counter_is_exact_and_by_timing_uses_the_geometric_midpoint():
    by_counter = Signal("t", {"c": (100.0, 200.0)}, 1.0, 1.3, False)
    assert by_counter.is_bad({"c": _m("c", 200.0, Kind.COUNTER)}) is True
    assert by_counter.is_bad({"c": _m("c", 100.0, Kind.COUNTER)}) is False
    assert by_counter.is_bad({}) is None
    by_time = Signal("t", {}, 1.0, 1.44, False)  # midpoint 1.2
    assert by_time.is_bad({"t": _m("t", 1.25)}) is True
    assert by_time.is_bad({"t": _m("t", 1.15)}) is False
    rate = Signal("t", {}, 100.0, 64.0, True)  # higher is better, midpoint 80
    assert rate.is_bad({"t": _m("t", 70.0)}) is True
    assert rate.is_bad({"t": _m("t", 90.0)}) is False


def test_probe_regex_selects_the_benchmark_and_its_sibling_counters():
    import re

    rx = re.compile(probe_regex("generators.Generate.time_generate_batch"))
    assert rx.search("generators.Generate.time_generate_batch")
    assert rx.search("generators.Generate.time_generate_batch('persons', 1000)")
    assert rx.search("generators.GenerateAllocations.track_alloc_peak_bytes")
    assert rx.search("generators.GenerateAllocations.track_alloc_peak_bytes(1000)")
    assert not rx.search("generators.Generate.time_generate_columns")
    assert not rx.search("patterns.Inject.track_elements")
