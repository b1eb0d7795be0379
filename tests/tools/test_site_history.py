"""The site's regressions re-decided from the published graphs (benchgate.history, publish_site).

Synthetic sites over a temporary git repository: code commits change ``banking/``, docs-only
commits change ``docs/``; each series is one graph file as ``asv publish`` writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asv.graph import Graph
from benchgate.culprit import is_rising_rate
from benchgate.culprit import run as culprit_run
from benchgate.history import decide
from benchgate.policy import Policy
from benchgate.publish import run as publish_run
from benchgate.site import read_jumps, write_regressions, write_site
from experiment_repo import _commit, _git

PARAMS = {"machine": "refbox", "python": "3.11", "branch": "main"}
POLICY = Policy(history_factors={"time": 1.4, "throughput": 1.4, "memory": 1.05})


def make_repo(root: Path, kinds: str) -> list[str]:
    """One commit per letter: ``c`` changes package code, ``d`` only docs."""
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "asv.conf.json").write_text(json.dumps({"version": 1, "repo": ".", "project": "p"}))
    hashes = []
    for i, kind in enumerate(kinds):
        path = "banking/m.py" if kind == "c" else "docs/d.md"
        hashes.append(_commit(root, {path: f"x = {i}\n"}, f"{kind} {i}"))
    return hashes


def make_site(html: Path, hashes: list[str], series: dict[str, tuple[str, str, list]]) -> Path:
    """``series``: benchmark key -> (asv type, unit, one value per commit, None = missing)."""
    html.mkdir(parents=True, exist_ok=True)
    benchmarks = {}
    for key, (btype, unit, values) in series.items():
        benchmarks[key] = {"name": key, "type": btype, "unit": unit, "params": [], "version": "1"}
        path = html / (Graph.get_file_path(PARAMS, key) + ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        points = [[rev, v] for rev, v in enumerate(values) if v is not None]
        path.write_text(json.dumps(points))
    index = {
        "project": "p",
        "show_commit_url": "https://example.invalid/commit/",
        "revision_to_hash": {str(r): h for r, h in enumerate(hashes)},
        "revision_to_date": {str(r): 1_700_000_000_000 + r for r in range(len(hashes))},
        "graph_param_list": [PARAMS],
        "benchmarks": benchmarks,
    }
    (html / "index.json").write_text(json.dumps(index))
    (html / "index.html").write_text('<ul>\n\t<li id="nav-li-regressions">R</li>\n</ul>')
    return html


def listed(history) -> dict[str, list]:
    return {r[0]: r[6] for r in history.regressions}


@pytest.fixture
def code12(tmp_path: Path) -> tuple[Path, list[str]]:
    return tmp_path / "repo", make_repo(tmp_path / "repo", "c" * 12)


def test_a_rising_rate_is_not_listed_a_falling_rate_is(code12):
    repo, hashes = code12
    html = make_site(
        repo / "html",
        hashes,
        {
            "m.C.track_up_per_s": ("track", "events/s", [100.0] * 6 + [200.0] * 6),
            "m.C.track_down_per_s": ("track", "events/s", [100.0] * 6 + [50.0] * 6),
            "m.C.time_op": ("time", "seconds", [1.0] * 6 + [0.5] * 6),
        },
    )
    got = listed(decide(html, repo, POLICY))
    assert set(got) == {"m.C.track_down_per_s"}
    assert got["m.C.track_down_per_s"] == [[None, 6, 100.0, 50.0]]


def test_a_jump_on_a_docs_only_commit_moves_to_the_next_code_commit(tmp_path: Path):
    repo = tmp_path / "repo"
    hashes = make_repo(repo, "cccccdcccc")
    values = [100.0] * 5 + [200.0] * 5  # the docs-only commit (5) already measures 200
    html = make_site(repo / "html", hashes, {"m.C.track_bytes": ("track", "bytes", values)})
    history = decide(html, repo, POLICY)
    # Between the last code commit before (4) and the first after (6) only 6 changes code.
    assert listed(history) == {"m.C.track_bytes": [[None, 6, 100.0, 200.0]]}
    assert history.dropped_points == 1
    write_regressions(html, history.regressions, {"jumps": history.details})
    (jump,) = read_jumps(html)
    assert (jump.good, jump.bad) == (None, hashes[6])


def test_a_range_over_several_code_commits_starts_and_ends_on_code_commits(tmp_path: Path):
    repo = tmp_path / "repo"
    hashes = make_repo(repo, "ccccdcdccc")
    # 5 (code) was never measured; 4 and 6 are docs-only: the range is 3..7.
    values = [100.0] * 4 + [150.0, None, 200.0, 200.0, 200.0, 200.0]
    html = make_site(repo / "html", hashes, {"m.C.track_bytes": ("track", "bytes", values)})
    history = decide(html, repo, POLICY)
    assert listed(history) == {"m.C.track_bytes": [[3, 7, 100.0, 200.0]]}
    (detail,) = history.details
    assert (detail["good"], detail["bad"], detail["code_commits"]) == (hashes[3], hashes[7], 2)


def test_instruction_counts_list_a_1_2_percent_step_but_not_0_5_percent(code12):
    repo, hashes = code12
    base = 1_000_000.0
    html = make_site(
        repo / "html",
        hashes,
        {
            "m.CInstructions.track_instructions_a": (
                "track",
                "instructions",
                [base] * 6 + [base * 1.012] * 6,
            ),
            "m.CInstructions.track_instructions_b": (
                "track",
                "instructions",
                [base] * 6 + [base * 1.005] * 6,
            ),
            "m.CInstructions.track_instructions_c": (  # faster: never a regression
                "track",
                "instructions",
                [base] * 6 + [base * 0.9] * 6,
            ),
        },
    )
    history = decide(html, repo, POLICY)
    assert listed(history) == {
        "m.CInstructions.track_instructions_a": [[None, 6, base, base * 1.012]]
    }
    assert history.details[0]["rule"] == "exact"


def test_an_instruction_step_undone_later_is_not_listed(code12):
    repo, hashes = code12
    values = [100.0] * 4 + [103.0] * 4 + [100.0] * 4
    html = make_site(
        repo / "html",
        hashes,
        {"m.CInstructions.track_instructions_a": ("track", "instructions", values)},
    )
    assert listed(decide(html, repo, POLICY)) == {}


def test_creeping_regressions_are_listed_once_with_their_range(code12):
    repo, hashes = code12

    def creep(start: float, step: float) -> list[float]:
        return (
            [start] * 4 + [start * step, start * step**2, start * step**3] + [start * step**3] * 5
        )

    html = make_site(
        repo / "html",
        hashes,
        {
            # counter threshold 2%: three steps of 1.5% (4.6% in all)
            "m.C.track_bytes": ("track", "bytes", creep(1000.0, 1.015)),
            # instruction threshold 1%: three steps of 0.6% (1.8% in all)
            "m.CInstructions.track_instructions_a": ("track", "instructions", creep(1e6, 1.006)),
            # three steps of 0.2%: below half the threshold each, not listed
            "m.CInstructions.track_instructions_b": ("track", "instructions", creep(1e6, 1.002)),
        },
    )
    history = decide(html, repo, POLICY)
    got = listed(history)
    assert set(got) == {"m.C.track_bytes", "m.CInstructions.track_instructions_a"}
    for name, first in (("m.C.track_bytes", 1000.0), ("m.CInstructions.track_instructions_a", 1e6)):
        ((rev_a, rev_b, before, after),) = got[name]
        assert (rev_a, rev_b, before) == (3, 6, first)
        assert after / before > 1.015
    notes = {d["benchmark"]: d for d in history.details}
    assert notes["m.C.track_bytes"]["rule"] == "creeping"
    assert notes["m.C.track_bytes"]["steps"] == 3
    assert notes["m.C.track_bytes"]["note"].startswith("creeping: 3 consecutive code commits")
    assert (notes["m.C.track_bytes"]["good"], notes["m.C.track_bytes"]["bad"]) == (
        hashes[3],
        hashes[6],
    )


def test_three_instruction_steps_past_the_threshold_are_each_listed(code12):
    repo, hashes = code12
    v = [1e6] * 4 + [1e6 * 1.015**k for k in (1, 2, 3)] + [1e6 * 1.015**3] * 5
    html = make_site(
        repo / "html",
        hashes,
        {"m.CInstructions.track_instructions_a": ("track", "instructions", v)},
    )
    (jumps,) = listed(decide(html, repo, POLICY)).values()
    assert [(a, b) for a, b, _, _ in jumps] == [(None, 4), (None, 5), (None, 6)]


def test_a_time_jump_with_a_flat_instruction_twin_is_decided_by_the_twin(code12):
    repo, hashes = code12
    slow = [1.0] * 6 + [2.0] * 6
    html = make_site(
        repo / "html",
        hashes,
        {
            "m.Gen.time_op": ("time", "seconds", slow),
            "m.GenInstructions.track_instructions_op": ("track", "instructions", [5e6] * 12),
            "m.Other.time_op": ("time", "seconds", slow),  # no twin: asv's verdict stands
        },
    )
    history = decide(html, repo, POLICY)
    assert set(listed(history)) == {"m.Other.time_op"}
    (decided,) = history.twin_decided
    assert decided["benchmark"] == "m.Gen.time_op"
    assert decided["twin"] == "m.GenInstructions.track_instructions_op"
    assert decided["twin_ratio"] == 1.0


def test_publish_step_and_culprit_finder_list_the_same_jumps(tmp_path: Path):
    repo = tmp_path / "repo"
    hashes = make_repo(repo, "cccccdcccccc")
    creep = [1000.0] * 6 + [1015.0, 1030.2, 1045.7] + [1045.7] * 3
    html = make_site(
        repo / "html",
        hashes,
        {
            "m.C.track_up_per_s": ("track", "events/s", [100.0] * 6 + [200.0] * 6),
            "m.C.track_down_per_s": ("track", "events/s", [100.0] * 5 + [60.0] * 7),
            "m.C.track_bytes": ("track", "bytes", creep),
        },
    )
    # asv's own listing: the rise of a rate, pinned to the docs-only commit.
    (html / "regressions.json").write_text(
        json.dumps(
            {
                "regressions": [
                    ["m.C.track_up_per_s", "g", {}, None, 200, 100, [[None, 5, 100, 200]]]
                ]
            }
        )
    )
    code = publish_run(
        ["--root", str(repo), "--html-dir", str(html), "--skip-publish", "--skip-vendor"]
    )
    assert code == 0
    jumps = {(j.name, j.good, j.bad) for j in read_jumps(html)}
    assert jumps == {
        ("m.C.track_down_per_s", None, hashes[6]),
        ("m.C.track_bytes", hashes[4], hashes[8]),
    }
    detail = json.loads((html / "regressions-detail.json").read_text())
    assert detail["asv_listed"] == {"jumps": 1, "speed_ups": 1, "non_code_ends": 1}
    # The finder keeps every listed jump (none is a rising rate any more) ...
    meta = json.loads((html / "index.json").read_text())["benchmarks"]
    assert not any(is_rising_rate(j, meta, POLICY) for j in read_jumps(html))
    # ... and pins the single-commit one without building (the creeping range would need asv).
    out = tmp_path / "culprits.json"
    rc = culprit_run(
        ["--root", str(repo), "--html", "html", "--bench", "per_s", "--json", str(out)]
    )
    assert rc == 0
    (pinned,) = json.loads(out.read_text())["culprits"]
    assert (pinned["benchmark"], pinned["culprit"]) == ("m.C.track_down_per_s", hashes[6])
    # The culprits page shows the publish step's note on each row.
    rows = [{"benchmark": n, "good": g, "bad": b} for n, g, b in sorted(jumps, key=str)]
    write_site(html, rows)
    culprits = json.loads((html / "culprits.json").read_text())["culprits"]
    notes = {c["benchmark"]: c["note"] for c in culprits}
    assert notes["m.C.track_bytes"].startswith("creeping: 3 consecutive code commits")
    assert notes["m.C.track_down_per_s"].startswith("asv step detection: the value fell")
    assert "creeping: 3 consecutive" in (html / "culprits.html").read_text()


def test_asv_conf_thresholds_agree_with_the_policy_the_site_uses():
    import re

    from asv import util
    from benchgate.model import Kind
    from benchgate.policy import load_policy

    root = Path(__file__).resolve().parents[2]
    conf = util.load_json(str(root / "asv.conf.json"), api_version=1, js_comments=True)
    policy = load_policy(None)

    def asv_threshold(entry: str) -> float:
        found = [float(v) for p, v in conf["regressions_thresholds"].items() if re.match(p, entry)]
        return max(found)

    for entry, kind in (
        ("m.C.time_x(1)@main", Kind.TIME),
        ("m.C.track_events_per_s@main", Kind.THROUGHPUT),
        ("m.C.peakmem_x@main", Kind.MEMORY),
        ("m.C.track_bytes('a')@main", Kind.COUNTER),
        ("m.CInstructions.track_instructions_x(1)@main", Kind.INSTRUCTIONS),
    ):
        assert asv_threshold(entry) == pytest.approx(policy.history_factor(kind) - 1), entry
