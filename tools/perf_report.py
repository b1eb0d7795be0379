"""Generate the before/after tables of docs/performance/REPORT.md from asv's ``results/``.

    python tools/perf_report.py --before COMMIT --after COMMIT [--machine NAME]
    python tools/perf_report.py --check

For every benchmark and parameter combination measured at both commits (on one machine) it
writes a row: benchmark, parameters, before, after and the ratio after/before, in separate
tables for time, peak memory and tracked figures (throughputs, bytes, requests), and a summary
per area (geometric mean, best and worst ratio) against the targets of issue 7. Only the part of
REPORT.md between the two marker comments is rewritten, so the prose around it stays; the
generated part records its own arguments, so ``--check`` can regenerate it and exit 1 when it
differs (results re-measured, report not refreshed).

Results are read by the tools' one reader of asv results (``benchgate.results``, asv's own
loader), parameters labelled as asv labels them (``'persons', 1000``). Units come from asv's
``results/benchmarks.json``.

Exit status: 0 written (or in sync), 1 stale (``--check``), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from perf_areas import REFERENCE_MEMORY, Row, format_ratio, format_value, summary_lines

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MACHINE = "polyglot-2c24g"
DEFAULT_RESULTS = ROOT / "results"
DEFAULT_REPORT = ROOT / "docs" / "performance" / "REPORT.md"
BEGIN = "<!-- perf_report:begin"
END = "<!-- perf_report:end -->"
ARGS_RE = re.compile(r"<!-- perf_report:begin (?P<args>.*?) -->")


class ReportError(Exception):
    """Bad input (unknown commit, missing markers, ...): one line, exit status 2."""


# --- reading asv results (benchgate.results) ---------------------------------------------------


def load_commit(results_dir: Path, machine: str, commit: str) -> tuple[str, dict]:
    """``(full commit hash, {(benchmark, params): value})`` of a commit's measured values
    (failures and skips left out); ``params`` is asv's label (``'persons', 1000``)."""
    try:
        from benchgate.results import UserError, find_results, measurements
    except ImportError:  # pragma: no cover - asv is in the bench extra
        raise ReportError("asv is not installed (pip install '.[bench]')") from None
    if not (results_dir / machine / "machine.json").is_file():
        raise ReportError(f"no asv results for machine {machine!r} in {results_dir}")
    try:
        results = find_results(results_dir, machine, commit)
    except UserError as exc:
        raise ReportError(str(exc).splitlines()[0]) from None
    if results is None or not results.commit_hash.startswith(commit):
        raise ReportError(f"no asv results for commit {commit!r} on {machine!r}")
    values = {(m.key, m.label): m.value for m in measurements(results, {}).values() if m.ok}
    return results.commit_hash, values


def load_units(results_dir: Path) -> dict[str, tuple[str, str]]:
    """``{benchmark: (type, unit)}`` from asv's benchmarks.json (empty if absent)."""
    path = results_dir / "benchmarks.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {
        name: (info.get("type", ""), info.get("unit", ""))
        for name, info in data.items()
        if isinstance(info, dict)
    }


def kind_and_unit(name: str, units: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """``("time" | "peakmemory" | "track", unit)``: benchmarks.json first, else asv's naming."""
    method = name.rsplit(".", 1)[-1]
    kind, unit = units.get(name, ("", ""))
    if not kind:
        if method.startswith("time_"):
            kind = "time"
        elif method.startswith("peakmem_"):
            kind = "peakmemory"
        elif method.startswith("track_"):
            kind = "track"
        else:
            kind = "other"
    if not unit:
        unit = {"time": "seconds", "peakmemory": "bytes"}.get(kind, "")
    return kind, unit


# --- the report ----------------------------------------------------------------------------------


def compare(
    before: dict[tuple[str, str], float],
    after: dict[tuple[str, str], float],
    units: dict[str, tuple[str, str]],
) -> tuple[list[Row], int]:
    """Rows for the combinations measured at both commits, and how many were measured at only
    one of them (or failed/skipped at the other)."""
    rows = []
    for key in sorted(before.keys() & after.keys()):
        kind, unit = kind_and_unit(key[0], units)
        rows.append(Row(key[0], key[1], kind, unit, before[key], after[key]))
    return rows, len(before.keys() ^ after.keys())


def _table(rows: list[Row], note: str) -> list[str]:
    lines = [
        note,
        "",
        "| benchmark | params | unit | before | after | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r.benchmark}` | {r.params or '—'} | {r.unit or '—'} | "
            f"{format_value(r.before, r.unit)} | {format_value(r.after, r.unit)} | "
            f"{format_ratio(r.ratio)} |"
        )
    if not rows:
        lines.append("| (none) | | | | | |")
    return lines


def render(results_dir: Path, machine: str, before: str, after: str, args_text: str) -> str:
    """The generated section, markers included."""
    before_hash, before_values = load_commit(results_dir, machine, before)
    after_hash, after_values = load_commit(results_dir, machine, after)
    rows, unmatched = compare(before_values, after_values, load_units(results_dir))
    times = [r for r in rows if r.kind == "time"]
    memory = [r for r in rows if r.kind == "peakmemory"]
    tracks = [r for r in rows if r.kind not in ("time", "peakmemory")]
    lines = [
        f"{BEGIN} {args_text} -->",
        "<!-- generated by tools/perf_report.py from results/: do not edit by hand -->",
        "",
        f"Machine `{machine}`; before = `{before_hash[:8]}`, after = `{after_hash[:8]}`; ratio ="
        " after / before. "
        f"{len(rows)} benchmark/parameter combinations measured at both commits"
        + (f" ({unmatched} measured at only one of them are left out)." if unmatched else "."),
        "",
        "### Summary per area",
        "",
        "Geometric mean of the ratios of the area's benchmarks (time: `time_*`; streaming:"
        " `track_*_per_s` throughputs; memory: every `peakmem_*`), with the best and worst."
        " Memory three ways: the process peak as asv measures it (the interpreter and the"
        " libraries the suite preloads included, the same at both commits); each peak less the"
        f" process floor of its commit (`{REFERENCE_MEMORY}`), where both are at least 1 MB:"
        " what the operation and its setup hold, on which the target is judged; and the"
        " operations' Python heap peaks (`track_alloc_peak_*`).",
        "",
        *summary_lines(rows),
        "",
        "### Time",
        "",
        *_table(times, "Lower is better: a ratio below 1 is a speed-up."),
        "",
        "### Peak memory",
        "",
        *_table(
            memory,
            "Peak resident memory of the benchmark process (asv `peakmem_*`); lower is better.",
        ),
        "",
        "### Throughput and tracked figures",
        "",
        *_table(
            tracks,
            "Throughputs (units per second): higher is better. Counters (bytes, requests,"
            " elements): a change means different work, not noise.",
        ),
        "",
        END,
    ]
    return "\n".join(lines)


def splice(document: str, section: str) -> str:
    """``document`` with the text between (and including) the markers replaced by ``section``."""
    start = document.find(BEGIN)
    end = document.find(END)
    if start < 0 or end < start:
        raise ReportError(f"the report has no '{BEGIN} ... -->' ... '{END}' markers")
    return document[:start] + section + document[end + len(END) :]


def recorded_args(document: str) -> list[str]:
    """The arguments the generated section was made with (for ``--check``)."""
    match = ARGS_RE.search(document)
    if not match:
        raise ReportError(f"the report has no '{BEGIN} ... -->' marker with its arguments")
    return match.group("args").split()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="commit (prefix) before the optimisations")
    parser.add_argument("--after", help="commit (prefix) after them")
    parser.add_argument("--machine", default=DEFAULT_MACHINE)
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="asv results_dir")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the report's section is stale"
    )
    parser.add_argument("--stdout", action="store_true", help="print the section, write nothing")
    return parser


def run(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    report = args.report
    document = report.read_text() if report.is_file() else None
    if args.check:
        if document is None:
            raise ReportError(f"no report at {report}")
        recorded = _parser().parse_args(recorded_args(document))
        before, after, machine = recorded.before, recorded.after, recorded.machine
    else:
        if not (args.before and args.after):
            raise ReportError("give --before COMMIT and --after COMMIT (or --check)")
        before, after, machine = args.before, args.after, args.machine
    if not (before and after):
        raise ReportError("the report's marker records no --before/--after")
    args_text = f"--before {before} --after {after} --machine {machine}"
    section = render(args.results, machine, before, after, args_text)
    if args.stdout:
        print(section)
        return 0
    if document is None:
        raise ReportError(f"no report at {report} (create it with the two marker comments)")
    updated = splice(document, section)
    if args.check:
        if updated != document:
            print(
                f"{report}: generated section is stale; run: python tools/perf_report.py "
                f"{args_text}",
                file=sys.stderr,
            )
            return 1
        print(f"{report}: generated section is up to date")
        return 0
    report.write_text(updated)
    print(f"{report}: section regenerated ({args_text})")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except ReportError as exc:
        print(f"perf_report: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
