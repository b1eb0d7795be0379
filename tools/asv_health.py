"""Smoke-run the asv suite against the working tree and fail if any benchmark *failed*.

asv's exit status does not separate "a benchmark raised" from "a benchmark skipped" (a
``NotImplementedError`` in setup: the API or a service is absent), so this runs
``asv run --quick --python=same`` into a scratch results directory and reads the results with
the tools' one reader (``benchgate.results``): a ``null`` value is a failure, ``NaN`` a skip, a
number a measurement.

    python tools/asv_health.py [--machine NAME] [--bench REGEX ...] [--min-measured N]
                               [--fail-on-skip] [--allow-skip REGEX ...]

``--allow-skip`` names skips that ``--fail-on-skip`` tolerates (a regex searched in the value's
name, e.g. ``"'janusgraph'"`` on a machine without JanusGraph); they count as neither measured nor
failed. CI starts every engine and allows none (docs/benchmarks.md, "Graph engines").

Exit status: 0 healthy, 1 a benchmark failed (or too few were measured), 2 asv itself broke.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchgate.results import load_all

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MACHINE = "polyglot-2c24g"


@dataclass
class Summary:
    """Outcome of every (benchmark, parameter combination) in one asv results file set."""

    measured: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.failed


def summarize(results_dir: Path) -> Summary:
    """Classify every result value in ``results_dir`` (all machines, all result files)."""
    summary = Summary()
    for entries in load_all(results_dir):
        for name, m in entries.items():
            if m.failed:
                summary.failed.append(name)
            elif m.skipped:
                summary.skipped.append(name)
            else:
                summary.measured.append(name)
    return summary


def scratch_config(config: Path, scratch: Path) -> Path:
    """A copy of the asv config whose results and html go to ``scratch`` (absolute paths)."""
    from asv import util  # asv's loader understands the comments in asv.conf.json

    conf = util.load_json(str(config), api_version=1, js_comments=True)
    base = config.parent
    conf["repo"] = str((base / conf.get("repo", ".")).resolve())
    conf["benchmark_dir"] = str((base / conf.get("benchmark_dir", "benchmarks")).resolve())
    conf["env_dir"] = str(scratch / "env")
    conf["results_dir"] = str(scratch / "results")
    conf["html_dir"] = str(scratch / "html")
    conf["version"] = 1
    out = scratch / "asv.conf.json"
    out.write_text(json.dumps(conf, indent=2))
    return out


def run_suite(
    config: Path,
    machine: str,
    benches: list[str],
    scratch: Path,
    extra: list[str],
    quick: bool = True,
) -> tuple[int, Path]:
    """Run the suite (``--quick`` by default); return asv's exit status and the results dir."""
    conf = scratch_config(config, scratch)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=config.parent, check=True, capture_output=True, text=True
    ).stdout.strip()
    cmd = [
        sys.executable, "-m", "asv", "run", "--config", str(conf), "--python=same",
        "--show-stderr", "--machine", machine, "--set-commit-hash", commit,
    ]  # fmt: skip
    if quick:
        cmd.append("--quick")
    for bench in benches:
        cmd += ["--bench", bench]
    status = subprocess.run([*cmd, *extra], cwd=config.parent).returncode
    return status, scratch / "results"


def report(
    summary: Summary,
    min_measured: int,
    fail_on_skip: bool = False,
    allow_skip: list[str] | None = None,
) -> int:
    allowed = [n for n in summary.skipped if any(re.search(p, n) for p in allow_skip or [])]
    skipped = [n for n in summary.skipped if n not in allowed]
    print(
        f"asv health: {len(summary.measured)} measured, {len(summary.skipped)} skipped"
        + (f" ({len(allowed)} allowed)" if allowed else "")
        + f", {len(summary.failed)} failed"
    )
    for name in summary.skipped:
        print(f"  skipped: {name}" + (" (allowed)" if name in allowed else ""))
    for name in summary.failed:
        print(f"  FAILED:  {name}")
    if summary.failed:
        return 1
    if fail_on_skip and skipped:
        print("asv health: benchmarks skipped at this commit (API renamed? service down?)")
        return 1
    if len(summary.measured) < min_measured:
        print(f"asv health: fewer than {min_measured} benchmarks measured")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "asv.conf.json")
    parser.add_argument("--machine", default=DEFAULT_MACHINE)
    parser.add_argument("--bench", "-b", action="append", default=[], help="asv --bench regex")
    parser.add_argument(
        "--min-measured", type=int, default=1, help="fail unless at least this many measured"
    )
    parser.add_argument(
        "--fail-on-skip",
        action="store_true",
        help="a skip is a failure too (CI at HEAD with services up: the suite must match the API)",
    )
    parser.add_argument(
        "--allow-skip",
        action="append",
        default=[],
        metavar="REGEX",
        help="with --fail-on-skip: skips whose name matches are tolerated (repeatable)",
    )
    parser.add_argument("--results", type=Path, help="only summarise an existing results directory")
    args, extra = parser.parse_known_args(argv)
    for pattern in args.allow_skip:
        try:
            re.compile(pattern)
        except re.error as exc:
            print(f"asv health: --allow-skip {pattern!r} is not a regex ({exc})", file=sys.stderr)
            return 2
    checks = (args.min_measured, args.fail_on_skip, args.allow_skip)
    if args.results:
        return report(summarize(args.results), *checks)
    if not args.config.is_file():
        print(f"asv health: no asv config at {args.config}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="asv-health-") as tmp:
        status, results = run_suite(
            args.config.resolve(), args.machine, args.bench, Path(tmp), extra
        )
        summary = summarize(results)
        if not (summary.measured or summary.skipped or summary.failed):
            print(f"asv health: asv wrote no results (exit status {status})", file=sys.stderr)
            return 2
        return report(summary, *checks)


if __name__ == "__main__":
    sys.exit(main())
