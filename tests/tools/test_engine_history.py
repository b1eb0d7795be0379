"""tools/engine_history.py: stored rows of the engine benchmarks gain the engine parameter, and
asv itself then reads TinkerGraph's old values under the new parameters."""

from __future__ import annotations

import json
import math
from pathlib import Path

import engine_history as eh
import pytest
from asv.results import Results

COLUMNS = [
    "result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b",
    "stats_q_25", "stats_q_75", "stats_number", "stats_repeat", "samples", "profile",
]  # fmt: skip
ENGINE = ["'tinkergraph'", "'janusgraph'"]
MODES = [["'batched'", "'one_per_element'"]]


def _results_file(tmp_path: Path, rows: dict) -> Path:
    path = tmp_path / "polyglot-2c24g" / "abcdef12-env-0.json"
    path.parent.mkdir(parents=True)
    data = {
        "commit_hash": "abcdef1234", "env_name": "env-0", "date": 1,
        "params": {"machine": "polyglot-2c24g"},
        "python": "3.11", "requirements": {}, "env_vars": {}, "result_columns": COLUMNS,
        "results": rows, "durations": {}, "version": 2,
    }  # fmt: skip
    path.write_text(json.dumps(data))
    return path


def _rows() -> dict:
    return {
        "graph_load.Load.time_load": [
            [0.02, 0.4], MODES, "v-load", 5, 4.5, [0.01, 0.3], [0.03, 0.5], [0.0, 0.35],
            [0.03, 0.45], [1, 1], [6, 6],
        ],
        "streaming.Consume.track_graph_requests": [[6], [], "v-consume", 7, 1.1],
        "graph_queries.Queries.time_query": [[math.nan], [["'ubo'"]], "v-q"],
        "generators.Generate.time_generate_batch": [[1.0], [["'persons'"]], "v-gen"],
    }  # fmt: skip


def test_old_values_become_tinkergraphs_and_janusgraph_is_skipped(tmp_path: Path) -> None:
    path = _results_file(tmp_path, _rows())
    assert eh.migrate_file(path) == 3
    res = Results.load(str(path))
    load_params = [ENGINE, *MODES]
    assert res.get_result_params("graph_load.Load.time_load") == load_params
    values = res.get_result_value("graph_load.Load.time_load", load_params)
    assert values[:2] == [0.02, 0.4] and all(math.isnan(v) for v in values[2:])
    stats = res.get_result_stats("graph_load.Load.time_load", load_params)
    assert stats[1]["ci_99_a"] == 0.3 and not stats[2] and not stats[3]
    assert res.benchmark_version["graph_load.Load.time_load"] == "v-load"
    consume = res.get_result_value("streaming.Consume.track_graph_requests", [ENGINE])
    assert consume[0] == 6 and math.isnan(consume[1])
    # a benchmark without the engine parameter is untouched
    assert res.get_result_params("generators.Generate.time_generate_batch") == [["'persons'"]]


def test_asv_finds_no_old_value_without_the_migration(tmp_path: Path) -> None:
    """Why the tool exists: asv matches stored values by parameter combination."""
    res = Results.load(str(_results_file(tmp_path, _rows())))
    values = res.get_result_value("graph_load.Load.time_load", [ENGINE, *MODES])
    assert values == [None, None, None, None]


def test_a_second_run_changes_nothing_and_check_reports_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _results_file(tmp_path, _rows())
    assert eh.main([str(tmp_path), "--check"]) == 1
    assert eh.main([str(tmp_path)]) == 0
    once = path.read_text()
    assert eh.migrate_file(path) == 0
    assert path.read_text() == once
    assert eh.main([str(tmp_path), "--check"]) == 0
    assert "0 rows in 0 results files lack" in capsys.readouterr().out


def test_a_row_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    rows = {"graph_load.Load.time_load": [[0.02], MODES, "v"]}  # one value for two modes
    with pytest.raises(ValueError, match="expected 2 values"):
        eh.migrate_file(_results_file(tmp_path, rows))


def test_committed_results_carry_the_engine_parameter() -> None:
    """Every committed row of the engine benchmarks has been migrated (a run of the new suite
    writes that shape itself)."""
    assert eh.main(["--check"]) == 0


def test_no_results_directory_is_one_line(tmp_path: Path, capsys) -> None:
    assert eh.main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
