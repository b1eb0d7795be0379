"""The PR gate: run asv continuous BASE HEAD, then decide from the saved results JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .asvcmd import AsvProject, InfraError, asv_available, tail
from .decide import ExitCode, compare_sets, exit_code
from .model import Measurement
from .policy import PolicyError, load_policy
from .results import load_commit
from .summary import Report, render_markdown


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 3: exit 2 is reserved for "a benchmark failed"."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"bench_gate: error: {message}", file=sys.stderr)
        raise SystemExit(int(ExitCode.INFRASTRUCTURE))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bench_gate",
        description="Benchmark gate: exit 0 no regression, 1 regression, 2 a benchmark "
        "failed or errored, 3 infrastructure problem.",
    )
    p.add_argument("base", help="commit/branch to compare against (e.g. origin/main)")
    p.add_argument("head", help="commit/branch under test (e.g. HEAD)")
    p.add_argument("--bench", "-b", action="append", help="benchmark regex (repeatable)")
    p.add_argument("--factor", type=float, help="default ratio threshold (policy default)")
    p.add_argument("--thresholds", type=Path, help="policy JSON (tools/bench_thresholds.json)")
    p.add_argument("--rounds", type=int, help="asv rounds per commit, interleaved base/head")
    p.add_argument("--repeats", type=int, help="asv samples per round (the repeat attribute)")
    p.add_argument("--machine", default="gate", help="asv machine name for the gate's results")
    p.add_argument("--root", type=Path, default=Path.cwd(), help="project root (git + asv)")
    p.add_argument("--config", type=Path, help="asv config (default ROOT/asv.conf.json)")
    p.add_argument(
        "--results-dir", type=Path, help="where the gate's results go (default .asv/gate-results)"
    )
    p.add_argument("--summary", type=Path, help="write the Markdown summary here")
    p.add_argument("--json", type=Path, dest="json_out", help="write the verdict as JSON here")
    p.add_argument("--log", type=Path, help="asv output log (default RESULTS_DIR/gate.log)")
    return p


def _clear(results_dir: Path, machine: str, commits: list[str]) -> None:
    """Drop stale results of these commits so a --bench subset never mixes with an old run."""
    folder = results_dir / machine
    for commit in commits:
        for f in folder.glob(f"{commit[:8]}-*.json"):
            f.unlink()


def measure(args: argparse.Namespace) -> tuple[str, str, dict, dict, dict]:
    """Run asv continuous; return hashes, both measurement sets and the settings used."""
    if not asv_available():
        raise InfraError("asv is not installed (pip install asv)")
    project = AsvProject.at(args.root, args.config)
    base = project.resolve(args.base)
    head = project.resolve(args.head)
    if base == head:
        raise InfraError(f"base and head are the same commit ({base[:8]})")
    results_dir = (args.results_dir or project.root / ".asv" / "gate-results").resolve()
    log = args.log or results_dir / "gate.log"
    config = project.derived_config(results_dir, "gate")
    project.ensure_machine(config, args.machine, log)
    _clear(results_dir, args.machine, [base, head])
    cmd = [
        "continuous",
        "--config",
        str(config),
        "--machine",
        args.machine,
        "--interleave-rounds",
        "--show-stderr",
        "--factor",
        str(args.factor or 1.1),
    ]
    for rx in args.bench or []:
        cmd += ["--bench", rx]
    if args.rounds:
        cmd += ["-a", f"rounds={args.rounds}"]
    if args.repeats:
        cmd += ["-a", f"repeat={args.repeats}"]
    cmd += [base, head]
    rc = project.asv(cmd, log)
    policy = args.policy
    before = load_commit(results_dir, args.machine, base, policy)
    after = load_commit(results_dir, args.machine, head, policy)
    for commit, got in ((base, before), (head, after)):
        if not got:
            raise InfraError(
                f"asv saved no results for {commit[:8]} (exit {rc}): the environment did not "
                f"build or asv failed; log {log}\n{tail(log)}"
            )
        if not any(m.ok or m.failed for m in got.values()):
            raise InfraError(
                f"no benchmark ran at {commit[:8]}: the project did not build/install; "
                f"log {log}\n{tail(log)}"
            )
    settings = {
        "rounds": args.rounds or "benchmark default",
        "repeats": args.repeats or "benchmark default",
        "default_factor": policy.default_factor,
        "bench": ",".join(args.bench or []) or "all",
    }
    return base, head, before, after, settings


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report: Report
    try:
        args.policy = load_policy(args.thresholds).with_factor(args.factor)
        base, head, before, after, settings = measure(args)
    except (InfraError, PolicyError) as exc:
        report = Report(args.base, args.head, args.machine, ExitCode.INFRASTRUCTURE, error=str(exc))
    else:
        comps = compare_sets(before, after, args.policy)
        report = Report(base, head, args.machine, exit_code(comps), comps, settings)
    return emit(report, args.summary, args.json_out)


def emit(report: Report, summary: Path | None, json_out: Path | None) -> int:
    text = render_markdown(report)
    print(text)
    if summary:
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(text, encoding="utf-8")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    if report.code is ExitCode.INFRASTRUCTURE:
        print(f"bench_gate: error: {report.error.splitlines()[0]}", file=sys.stderr)
    return int(report.code)


def decide_from_results(
    before: dict[str, Measurement], after: dict[str, Measurement], policy
) -> ExitCode:
    """Convenience for callers that already hold both measurement sets."""
    return exit_code(compare_sets(before, after, policy))
