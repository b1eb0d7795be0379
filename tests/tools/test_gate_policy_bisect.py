"""Thresholds file parsing and the bisection search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchgate.bisect import bisect
from benchgate.model import Kind
from benchgate.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy


def test_shipped_thresholds_file_loads():
    policy = load_policy(DEFAULT_POLICY_PATH)
    assert policy.default_factor > 1.0
    assert policy.is_throughput("m.A.track_entities_per_s", "entities/s")
    assert not policy.is_throughput("m.A.track_alloc_peak_bytes", "bytes")


def test_the_file_holds_all_three_verdicts_thresholds_and_the_code_defaults_agree():
    """One place: the gate's, the site's and the pytest-benchmark compare's thresholds are in
    tools/bench_thresholds.json; Policy()'s defaults (used when the file is absent) equal it."""
    raw = json.loads(DEFAULT_POLICY_PATH.read_text())
    assert {"default_factor", "history_factors", "pytest_benchmark_factor"} <= set(raw)
    policy = load_policy(DEFAULT_POLICY_PATH)
    assert policy == Policy()
    assert policy.factor_for("m.C.time_x", Kind.TIME) == 1.15  # gate, A/B
    assert policy.history_factor(Kind.TIME) == 1.4  # site, commit after commit
    assert policy.history_factor(Kind.INSTRUCTIONS) == policy.instruction_factor == 1.01
    assert (policy.pytest_benchmark_factor, policy.pytest_benchmark_runs) == (2.25, 3)
    # The three noisy-time thresholds grow as the comparison loses its pairing.
    assert policy.default_factor < policy.history_factor(Kind.TIME) < 2.25


def test_a_partial_history_factors_keeps_the_other_kinds_defaults(tmp_path: Path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"history_factors": {"time": 1.5}, "pytest_benchmark_runs": "2"}))
    policy = load_policy(path)
    assert policy.history_factor(Kind.TIME) == 1.5
    assert policy.history_factor(Kind.MEMORY) == 1.05
    assert policy.pytest_benchmark_runs == 2


def test_largest_matching_threshold_wins(tmp_path: Path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"default_factor": 1.1, "thresholds": {"graph": 1.3, "query": 1.5}}))
    policy = load_policy(path)
    assert policy.factor_for("graph_queries.Q.time_query(1)", Kind.TIME) == 1.5
    assert policy.factor_for("generators.G.time_x", Kind.TIME) == 1.1
    assert policy.with_factor(1.2).factor_for("generators.G.time_x", Kind.TIME) == 1.2


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"default_factr": 1.1}),
        json.dumps({"default_factor": 0.9}),
        json.dumps({"thresholds": {"(": 1.2}}),
        json.dumps({"thresholds": ["x"]}),
        json.dumps({"history_factors": {"tme": 1.4}}),
        json.dumps({"pytest_benchmark_factor": 0.5}),
    ],
)
def test_bad_thresholds_file_is_a_clear_error(tmp_path: Path, content: str):
    path = tmp_path / "t.json"
    path.write_text(content)
    with pytest.raises(PolicyError):
        load_policy(path)


@pytest.mark.parametrize("culprit_index", range(1, 9))
def test_bisect_finds_every_position_within_log2_probes(culprit_index: int):
    commits = [f"c{i}" for i in range(9)]  # c0 good, c8 bad
    result = bisect(commits, lambda c: int(c[1:]) >= culprit_index)
    assert result.culprit == f"c{culprit_index}"
    assert len(result.probed) <= 3


def test_bisect_skip_leaves_suspects_when_the_unmeasurable_commit_may_be_it():
    commits = [f"c{i}" for i in range(9)]
    result = bisect(commits, lambda c: None if c == "c4" else int(c[1:]) >= 4)
    assert result.culprit is None
    assert result.suspects == ["c4", "c5"]
    assert "c4" in result.skipped


def test_bisect_skip_away_from_the_culprit_still_pins_it():
    commits = [f"c{i}" for i in range(9)]
    result = bisect(commits, lambda c: None if c == "c4" else int(c[1:]) >= 7)
    assert result.culprit == "c7"


def test_twin_entry_and_class_regex_select_one_instructions_class():
    import re

    from benchgate.culprit import class_regex, twin_entry

    meta = {"m.GenInstructions.track_instructions_batch": {}}
    assert (
        twin_entry("m.Gen.time_batch(10)", meta) == "m.GenInstructions.track_instructions_batch(10)"
    )
    assert twin_entry("m.Gen.time_other(10)", meta) is None
    ins = "m.GenInstructions.track_instructions_batch(10)"
    assert twin_entry(ins, {}) == ins
    rx = class_regex("m.GenInstructions.track_instructions_batch")
    assert re.search(rx, ins)
    assert not re.search(rx, "m.Gen.time_batch(10)")
    assert not re.search(rx, "m.GenInstructionsMore.track_instructions_batch(10)")


def test_gate_phase_regexes():
    import re

    from benchgate.gate import _exact, _within, decisive_twins

    excl = _exact({"m.Gen.time_batch"})
    rx = _within(["m\\.Gen"], f"^(?!{excl[1:]})")[0]
    assert not re.search(rx, "m.Gen.time_batch(10)")
    assert re.search(rx, "m.Gen.time_other(10)")
    assert not re.search(rx, "x.Other.time_other")
    meta = {
        "m.Gen.time_batch": {"params": [["10"]]},
        "m.GenInstructions.track_instructions_batch": {"params": [["10"]]},
    }
    from benchgate.model import Kind, Measurement

    name = "m.GenInstructions.track_instructions_batch(10)"
    ok = {name: Measurement(name, name[:-4], ("10",), Kind.INSTRUCTIONS, "instructions", 5.0)}
    skip = {
        name: Measurement(name, name[:-4], ("10",), Kind.INSTRUCTIONS, "instructions", float("nan"))
    }
    assert decisive_twins(meta, ok, ok) == {"m.Gen.time_batch"}
    assert decisive_twins(meta, ok, skip) == set()
