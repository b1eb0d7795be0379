"""Carry the TinkerGraph history over to the benchmarks that take the graph engine as a parameter.

    python tools/engine_history.py [RESULTS_DIR] [--check]

Issue 17 made ``graph_load.Load``, ``graph_queries.Queries`` and ``streaming.Consume`` take the
engine (``tinkergraph``, ``janusgraph``) as their first parameter. asv matches a stored result to
a benchmark by parameter combination, ``('batched',)`` against ``('tinkergraph', 'batched')``, so
without this step every earlier point of those benchmarks would vanish from ``asv publish``
(``Results.get_result_value``) and ``asv compare`` (``name(params)`` keys). Every one of those
points was measured on TinkerGraph, the only engine of the suite then, so this rewrites each such
stored row to the new parameters: the old values under ``'tinkergraph'``, and NaN ("skipped",
asv's mark of a benchmark that did not run) under every other engine. benchmarks/history.json
keeps the benchmarks' asv versions, so the rows stay of the current version.

Idempotent: a row that has the engine parameter already is left alone. ``--check`` changes
nothing and exits 1 if a row still lacks it (CI and the tests use it).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from asv import util

ROOT = Path(__file__).resolve().parent.parent
# The benchmark classes that gained the engine parameter, as asv's key prefixes.
ENGINE_CLASSES = ("graph_load.Load.", "graph_queries.Queries.", "streaming.Consume.")
# The parameter's values as asv stores them (reprs), the history's engine first.
ENGINE_VALUES = ["'tinkergraph'", "'janusgraph'"]
# Columns holding one entry per parameter combination (the others are one per benchmark).
PER_COMBINATION = frozenset({"result", "samples"})
RESULTS_API_VERSION = 2


def needs_engine(key: str, params: list[list[str]] | None) -> bool:
    """True for a row of an engine benchmark stored before the engine parameter existed."""
    if not key.startswith(ENGINE_CLASSES):
        return False
    return not params or params[0] != ENGINE_VALUES


def _spread(value: Any, combos: int, fill: Any) -> Any:
    """One per-combination column over the new engine axis: old values, then ``fill`` for
    every other engine (asv orders combinations as the cartesian product, engine first)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != combos:
        raise ValueError(f"expected {combos} values per combination, found {value!r}")
    return value + [fill] * (combos * (len(ENGINE_VALUES) - 1))


def migrate_row(row: list[Any], columns: list[str]) -> list[Any]:
    """The row with the engine as its first parameter, TinkerGraph's values unchanged."""
    full = dict(zip(columns, row + [None] * (len(columns) - len(row)), strict=True))
    params = full.get("params") or []
    combos = math.prod(len(p) for p in params) if params else 1
    out = []
    for column in columns:
        value = full[column]
        if column == "params":
            value = [list(ENGINE_VALUES), *params]
        elif column == "result":
            value = _spread(value, combos, math.nan)
        elif column in PER_COMBINATION or column.startswith("stats_"):
            value = _spread(value, combos, None)
        out.append(value)
    while out and out[-1] is None:  # what asv's own save does
        out.pop()
    return out


def migrate_file(path: Path, write: bool = True) -> int:
    """Migrate every engine benchmark row of one results file; returns how many needed it."""
    data = util.load_json(str(path), api_version=RESULTS_API_VERSION)
    columns = data["result_columns"]
    where = columns.index("params")
    moved = 0
    for key, row in data["results"].items():
        params = row[where] if len(row) > where else None
        if needs_engine(key, params):
            data["results"][key] = migrate_row(row, columns)
            moved += 1
    if moved and write:
        util.write_json(str(path), data, RESULTS_API_VERSION, compact=True)
    return moved


def result_files(results_dir: Path) -> list[Path]:
    """Every commit's results file (asv's machine.json and benchmarks.json are not results)."""
    return sorted(
        p
        for p in results_dir.glob("*/*.json")
        if p.name != "machine.json" and "-" in p.name and p.parent.name != "pytest-benchmark"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", type=Path, default=ROOT / "results")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    if not args.results.is_dir():
        print(f"engine history: no results directory at {args.results}", file=sys.stderr)
        return 2
    files = rows = 0
    for path in result_files(args.results):
        moved = migrate_file(path, write=not args.check)
        files += bool(moved)
        rows += moved
    verb = "lack" if args.check else "migrated:"
    print(f"engine history: {rows} rows in {files} results files {verb} the engine parameter")
    return 1 if args.check and rows else 0


if __name__ == "__main__":
    sys.exit(main())
