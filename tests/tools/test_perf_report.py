"""tools/perf_report.py: before/after tables from asv results, spliced between REPORT.md's markers.

The synthetic results below are asv's version-2 results files (``result_columns`` order, one
value per combination of the parameters' cartesian product, ``null`` failed, NaN skipped); the
tool reads them through asv's own loader, and one test reads the repository's real results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import perf_report
import pytest

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "toy-machine"
BEFORE = "aaaaaaaa11111111111111111111111111111111"
AFTER = "bbbbbbbb22222222222222222222222222222222"
COLUMNS = ["result", "params", "version", "started_at", "duration", "samples"]
GEN_PARAMS = [["'persons'", "'accounts'"], ["1000", "10000"]]

BENCHMARKS = {
    "generators.Generate.time_generate_batch": ("time", "seconds"),
    "generators.Generate.peakmem_generate_batch": ("peakmemory", "bytes"),
    "graph_queries.Queries.time_query": ("time", "seconds"),
    "streaming.Produce.track_events_per_s": ("track", "events/s"),
    "serialization.Serialize.track_bytes": ("track", "bytes"),
    "serialization.Serialize.track_alloc_peak_bytes": ("track", "bytes"),
}


def _row(values, params=()):
    return [values, [list(p) for p in params], "v1", 0, 1.0, None]


def write_results(results: Path, commit: str, rows: dict[str, list]) -> None:
    """One asv results file (as ``asv run`` writes it) for ``commit`` on the toy machine."""
    machine_dir = results / MACHINE
    machine_dir.mkdir(parents=True, exist_ok=True)
    machine = {"machine": MACHINE, "os": "Linux", "arch": "x86_64", "cpu": "toy", "num_cpu": "2"}
    (machine_dir / "machine.json").write_text(json.dumps({**machine, "version": 1}))
    data = {
        "commit_hash": commit,
        "env_name": "existing-py",
        "date": 1_700_000_000_000,
        "params": {"machine": MACHINE, "python": "3.11"},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": COLUMNS,
        "results": rows,
        "durations": {},
        "version": 2,
    }
    # asv writes NaN as the bare token NaN (json.dumps does the same).
    (machine_dir / f"{commit[:8]}-existing-py.json").write_text(json.dumps(data))
    units = {name: {"type": kind, "unit": unit} for name, (kind, unit) in BENCHMARKS.items()}
    (results / "benchmarks.json").write_text(json.dumps({**units, "version": 2}))


@pytest.fixture
def results(tmp_path: Path) -> Path:
    out = tmp_path / "results"
    write_results(
        out,
        BEFORE,
        {
            # persons/1000, persons/10000, accounts/1000, accounts/10000
            "generators.Generate.time_generate_batch": _row(
                [0.010, 0.100, 0.020, float("nan")], GEN_PARAMS
            ),
            "generators.Generate.peakmem_generate_batch": _row(
                [100e6, 200e6, 100e6, 200e6], GEN_PARAMS
            ),
            "graph_queries.Queries.time_query": _row([0.004, 0.002], [["'ubo'", "'cycles'"]]),
            "streaming.Produce.track_events_per_s": _row([10_000.0], [["'lz4'"]]),
            "serialization.Serialize.track_bytes": _row([1234], []),
            "serialization.Serialize.track_alloc_peak_bytes": _row([8e6, 2e6], [["'a'", "'b'"]]),
            "graph_load.Load.time_load": _row(None, [["'batched'"]]),  # failed at setup
            "reference.peakmem_reference": _row([50e6], []),  # calibration: in no area
        },
    )
    write_results(
        out,
        AFTER,
        {
            "generators.Generate.time_generate_batch": _row(
                [0.008, 0.050, None, 0.300], GEN_PARAMS
            ),
            "generators.Generate.peakmem_generate_batch": _row(
                [90e6, 150e6, 100e6, 180e6], GEN_PARAMS
            ),
            "graph_queries.Queries.time_query": _row([0.003, 0.002], [["'ubo'", "'cycles'"]]),
            "streaming.Produce.track_events_per_s": _row([13_000.0], [["'lz4'"]]),
            "serialization.Serialize.track_bytes": _row([1234], []),
            "serialization.Serialize.track_alloc_peak_bytes": _row([2e6, 2e6], [["'a'", "'b'"]]),
            "graph_load.Load.time_load": _row([0.5], [["'batched'"]]),
            "reference.peakmem_reference": _row([80e6], []),
        },
    )
    return out


def test_rows_only_for_combinations_measured_at_both_commits(results):
    full, before = perf_report.load_commit(results, MACHINE, "aaaa")
    assert full == BEFORE
    _, after = perf_report.load_commit(results, MACHINE, AFTER[:8])
    # NaN (skipped) and None (failed) values are not measurements.
    assert ("generators.Generate.time_generate_batch", "'accounts', 10000") not in before
    assert ("generators.Generate.time_generate_batch", "'accounts', 1000") not in after
    assert not any(name == "graph_load.Load.time_load" for name, _ in before)
    # Parameters in asv's order: the cartesian product, first parameter slowest.
    assert before[("generators.Generate.time_generate_batch", "'persons', 10000")] == 0.100
    assert before[("generators.Generate.time_generate_batch", "'accounts', 1000")] == 0.020
    rows, unmatched = perf_report.compare(before, after, perf_report.load_units(results))
    times = {(r.benchmark, r.params): r.ratio for r in rows if r.kind == "time"}
    assert times == {
        ("generators.Generate.time_generate_batch", "'persons', 1000"): pytest.approx(0.8),
        ("generators.Generate.time_generate_batch", "'persons', 10000"): pytest.approx(0.5),
        ("graph_queries.Queries.time_query", "'ubo'"): pytest.approx(0.75),
        ("graph_queries.Queries.time_query", "'cycles'"): pytest.approx(1.0),
    }
    assert unmatched == 3  # accounts/1000 (after failed), accounts/10000 (before skipped), load


def test_values_carry_their_units():
    assert perf_report.format_value(0.0123, "seconds") == "12.3 ms"
    assert perf_report.format_value(2.5, "seconds") == "2.50 s"
    assert perf_report.format_value(4.2e-6, "seconds") == "4.20 µs"
    assert perf_report.format_value(63_700_000, "bytes") == "63.7 MB"
    assert perf_report.format_value(512, "bytes") == "512 B"
    assert perf_report.format_value(12_345.6, "events/s") == "12,346 events/s"
    assert perf_report.format_value(3, "requests") == "3 requests"
    # Without benchmarks.json the kind and unit follow asv's naming.
    assert perf_report.kind_and_unit("m.C.time_x", {}) == ("time", "seconds")
    assert perf_report.kind_and_unit("m.C.peakmem_x", {}) == ("peakmemory", "bytes")
    assert perf_report.kind_and_unit("m.C.track_x", {}) == ("track", "")


def test_area_summary_against_the_targets(results):
    section = perf_report.render(results, MACHINE, BEFORE[:8], AFTER[:8], "--args")
    part = section.split("### Summary per area")[1].split("### Time")[0]
    summary = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in part.splitlines()
        if line.startswith("| ") and not line.startswith("| area ")
    }
    # generation: sqrt(0.8 * 0.5) = 0.63 <= 0.85
    assert summary["generation"][:2] == ["2", f"{math.sqrt(0.4):.2f}"]
    assert summary["generation"][2].startswith(
        "0.50 `Generate.time_generate_batch('persons', 10000)`"
    )
    assert summary["generation"][-1] == "yes"
    # queries: sqrt(0.75 * 1.0) = 0.87 <= 0.90
    assert summary["graph queries"][1] == f"{math.sqrt(0.75):.2f}"
    assert summary["graph queries"][-1] == "yes"
    # streaming throughput: 13,000 / 10,000 = 1.30 >= 1.20 (higher is better)
    assert summary["streaming"][:2] == ["1", "1.30"]
    assert summary["streaming"][-1] == "yes"
    # process peaks: (0.9 * 0.75 * 1.0 * 0.9) ** (1/4) = 0.88, reported only; best is the
    # lowest ratio; the calibration benchmark (reference.*) is in the peak memory table but in
    # no area
    memory = summary["memory, process peak"]
    assert memory[:2] == ["4", f"{(0.9 * 0.75 * 1.0 * 0.9) ** 0.25:.2f}"]
    assert "| `reference.peakmem_reference` | — | bytes | 50.0 MB | 80.0 MB | 1.60 |" in section
    assert memory[2].startswith("0.75 ") and memory[3].startswith("1.00 ") and memory[-1] == "—"
    # net of the floor (reference 50 -> 80 MB): 50 -> 10, 150 -> 70, 50 -> 20, 150 -> 100 MB;
    # the target is judged here
    net = summary["memory, net of the reference"]
    assert net[:2] == ["4", f"{(0.2 * (70 / 150) * 0.4 * (100 / 150)) ** 0.25:.2f}"]
    assert net[2].startswith("0.20 ") and net[3].startswith("0.67 ") and net[-1] == "yes"
    # Python heap peaks: sqrt(0.25 * 1.0) = 0.50, reported only
    heap = summary["memory, Python heap peak"]
    assert heap[:2] == ["2", "0.50"] and heap[-1] == "—"
    # graph load: failed before, so no row, and no target either way
    assert summary["graph load"][0] == "0"
    # Tables with units, one per kind.
    assert (
        "| `graph_queries.Queries.time_query` | 'ubo' | seconds | 4.00 ms | 3.00 ms | 0.75 |"
        in (section)
    )
    assert "| 100 MB | 90.0 MB | 0.90 |" in section
    assert (
        "| `streaming.Produce.track_events_per_s` | 'lz4' | events/s | 10,000 events/s" in section
    )
    assert "| `serialization.Serialize.track_bytes` | — | bytes | 1.23 kB | 1.23 kB | 1.00 |" in (
        section
    )


def _report(tmp_path: Path) -> Path:
    report = tmp_path / "REPORT.md"
    report.write_text(
        "# Report\n\nHand-written findings.\n\n"
        f"<!-- perf_report:begin --before {BEFORE[:8]} --after {AFTER[:8]} "
        f"--machine {MACHINE} -->\nold table\n<!-- perf_report:end -->\n\n"
        "## Recommendations\n\nKeep me.\n"
    )
    return report


def test_regenerates_only_the_marked_section_and_check_detects_staleness(results, tmp_path):
    report = _report(tmp_path)
    common = ["--results", str(results), "--report", str(report)]
    assert perf_report.main([*common, "--check"]) == 1  # "old table" is stale
    assert perf_report.main([*common, "--before", BEFORE[:8], "--after", AFTER[:8],
                             "--machine", MACHINE]) == 0  # fmt: skip
    text = report.read_text()
    assert text.startswith("# Report\n\nHand-written findings.\n\n<!-- perf_report:begin ")
    assert text.endswith("<!-- perf_report:end -->\n\n## Recommendations\n\nKeep me.\n")
    assert "old table" not in text and "### Time" in text
    assert perf_report.main([*common, "--check"]) == 0
    # Re-measured results make the committed section stale.
    data_file = next((results / MACHINE).glob("bbbbbbbb-*.json"))
    data = json.loads(data_file.read_text())
    data["results"]["graph_queries.Queries.time_query"][0] = [0.001, 0.002]
    data_file.write_text(json.dumps(data))
    assert perf_report.main([*common, "--check"]) == 1
    assert report.read_text() == text  # --check writes nothing


def test_bad_input_is_one_line_and_exit_2(results, tmp_path, capsys):
    report = _report(tmp_path)
    common = ["--results", str(results), "--report", str(report), "--machine", MACHINE]
    assert perf_report.main([*common, "--before", "cccc", "--after", AFTER[:8]]) == 2
    assert "no asv results for commit 'cccc'" in capsys.readouterr().err
    assert perf_report.main([*common, "--before", BEFORE[:8]]) == 2
    assert "--after" in capsys.readouterr().err
    report.write_text("no markers here\n")
    assert perf_report.main([*common, "--before", BEFORE[:8], "--after", AFTER[:8]]) == 2
    err = capsys.readouterr().err
    assert "markers" in err and len(err.strip().splitlines()) == 1
    assert report.read_text() == "no markers here\n"


def test_reads_the_repositorys_own_asv_results():
    """The real files asv wrote on the build machine, not only synthetic ones."""
    results = ROOT / "results"
    files = sorted((results / perf_report.DEFAULT_MACHINE).glob("29f11e83-*.json"))
    if not files:
        pytest.skip("no committed asv results for 29f11e83")
    full, values = perf_report.load_commit(results, perf_report.DEFAULT_MACHINE, "29f11e83")
    assert full.startswith("29f11e83")
    raw = json.loads(files[0].read_text())
    column = raw["result_columns"].index("result")
    measured = sum(
        1
        for row in raw["results"].values()
        if row[column] is not None
        for v in row[column]
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    )
    assert len(values) == measured
    units = perf_report.load_units(results)
    assert units["generators.Generate.track_entities_per_s"] == ("track", "entities/s")


def test_committed_report_is_in_sync_with_results():
    """docs/performance/REPORT.md's tables are what results/ says (refresh: see the report)."""
    if not perf_report.DEFAULT_REPORT.is_file():
        pytest.skip("no docs/performance/REPORT.md")
    assert perf_report.main(["--check"]) == 0
