"""Measure this machine's benchmark noise: run the same benchmarks of one commit N times.

    python tools/asv_noise.py --runs 5 --bench 'generators.Generate.time' --bench ...

Each run is a separate ``asv run --python=same`` (fresh processes, asv's usual rounds and
repeats) into its own scratch results directory. For every benchmark and parameter combination
the tool reports the spread of the N values, ``(max - min) / median``, and summarises it per
benchmark type (time, peakmem, track). ``regressions_thresholds`` should sit above the spread
a real no-change rerun shows, or the regressions page fills with noise (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from asv_health import DEFAULT_MACHINE, ROOT, run_suite
from benchgate.results import load_all


def values_by_benchmark(results_dir: Path) -> dict[str, float]:
    """``{"name(params)": value}`` of every measured value in one results directory."""
    return {
        name: m.value for entries in load_all(results_dir) for name, m in entries.items() if m.ok
    }


def spreads(runs: list[dict[str, float]]) -> dict[str, float]:
    """Relative spread ``(max - min) / median`` of each benchmark measured in every run."""
    common = set.intersection(*(set(r) for r in runs)) if runs else set()
    out = {}
    for key in sorted(common):
        values = [r[key] for r in runs]
        median = statistics.median(values)
        if median:
            out[key] = (max(values) - min(values)) / abs(median)
    return out


def kind_of(key: str) -> str:
    method = key.split("(")[0].rsplit(".", 1)[-1]
    if method.startswith("track_") and method.endswith("_per_s"):
        return "track (throughput)"
    return method.split("_", 1)[0]


def summarise(spread: dict[str, float]) -> list[str]:
    groups: dict[str, list[float]] = defaultdict(list)
    for key, value in spread.items():
        groups[kind_of(key)].append(value)
    lines = [f"{'kind':<20}{'n':>5}{'median':>9}{'p90':>9}{'max':>9}"]
    for kind, values in sorted(groups.items()):
        values.sort()
        p90 = values[min(len(values) - 1, math.ceil(0.9 * len(values)) - 1)]
        lines.append(
            f"{kind:<20}{len(values):>5}{statistics.median(values):>9.1%}{p90:>9.1%}"
            f"{values[-1]:>9.1%}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "asv.conf.json")
    parser.add_argument("--machine", default=DEFAULT_MACHINE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bench", "-b", action="append", default=[])
    parser.add_argument("--json", type=Path, help="also write every value and spread here")
    parser.add_argument(
        "--results",
        type=Path,
        action="append",
        default=[],
        help="an existing results directory of the same commit, counted as one more run",
    )
    args = parser.parse_args(argv)
    runs = [values_by_benchmark(path) for path in args.results]
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="asv-noise-") as tmp:
            status, results = run_suite(
                args.config.resolve(), args.machine, args.bench, Path(tmp), [], quick=False
            )
            runs.append(values_by_benchmark(results))
            print(f"asv noise: run {i + 1}/{args.runs}: asv exit {status}, {len(runs[-1])} values")
    spread = spreads(runs)
    for key, value in sorted(spread.items(), key=lambda kv: -kv[1]):
        print(f"{value:8.1%}  {key}")
    print("\n".join(summarise(spread)))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "spread": spread}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
