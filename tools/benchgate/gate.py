"""The PR gate: run asv continuous BASE HEAD, then decide from the saved results JSON."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from .asvcmd import AsvProject, InfraError, asv_available, tail
from .decide import Comparison, ExitCode, Status, compare_sets, exit_code
from .model import Kind
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
    p.add_argument(
        "--confirm-rounds",
        type=int,
        default=6,
        help="interleaved rounds of the confirmation run (default 6)",
    )
    p.add_argument(
        "--no-confirm",
        dest="confirm",
        action="store_false",
        help="do not re-run timing regressions that no deterministic counter confirms",
    )
    return p


def _clear(results_dir: Path, machine: str, commits: list[str]) -> None:
    """Drop stale results of these commits so a --bench subset never mixes with an old run."""
    folder = results_dir / machine
    for commit in commits:
        for f in folder.glob(f"{commit[:8]}-*.json"):
            f.unlink()


@dataclass(frozen=True)
class Session:
    """One gate invocation's fixed inputs: where asv runs and where its results go."""

    project: AsvProject
    base: str
    head: str
    results_dir: Path
    log: Path
    args: argparse.Namespace


def open_session(args: argparse.Namespace) -> Session:
    if not asv_available():
        raise InfraError("asv is not installed (pip install asv)")
    project = AsvProject.at(args.root, args.config)
    base = project.resolve(args.base)
    head = project.resolve(args.head)
    if base == head:
        raise InfraError(f"base and head are the same commit ({base[:8]})")
    results_dir = (args.results_dir or project.root / ".asv" / "gate-results").resolve()
    log = args.log or results_dir / "gate.log"
    return Session(project, base, head, results_dir, log, args)


def measure(
    s: Session, results_dir: Path, bench: list[str], rounds: int | None = None
) -> tuple[dict, dict]:
    """One interleaved asv continuous run of base and head; both measurement sets."""
    args = s.args
    rounds = rounds or args.rounds
    config = s.project.derived_config(results_dir, "gate")
    s.project.ensure_machine(config, args.machine, s.log)
    _clear(results_dir, args.machine, [s.base, s.head])
    cmd = ["continuous", "--config", str(config), "--machine", args.machine]
    cmd += ["--interleave-rounds", "--show-stderr", "--factor", str(args.factor or 1.1)]
    for rx in bench:
        cmd += ["--bench", rx]
    if rounds:
        cmd += ["-a", f"rounds={rounds}"]
    if args.repeats:
        cmd += ["-a", f"repeat={args.repeats}"]
    rc = s.project.asv([*cmd, s.base, s.head], s.log)
    before = load_commit(results_dir, args.machine, s.base, args.policy)
    after = load_commit(results_dir, args.machine, s.head, args.policy)
    for commit, got in ((s.base, before), (s.head, after)):
        if not got:
            raise InfraError(
                f"asv saved no results for {commit[:8]} (exit {rc}): the environment did not "
                f"build or asv failed; log {s.log}\n{tail(s.log)}"
            )
        if not any(m.ok or m.failed for m in got.values()):
            raise InfraError(
                f"no benchmark ran at {commit[:8]}: the project did not build/install; "
                f"log {s.log}\n{tail(s.log)}"
            )
    return before, after


def needs_confirmation(c: Comparison) -> bool:
    """A timing regression that no deterministic counter confirmed."""
    noisy = c.kind in (Kind.TIME, Kind.THROUGHPUT)
    return noisy and c.status is Status.REGRESSION and "confirmed by" not in c.note


def confirm(s: Session, comps: list[Comparison]) -> list[Comparison]:
    """Re-run unconfirmed timing regressions once, independently; keep those that reproduce.

    On a shared machine a whole interleaved round can run slow (another process on the same
    core), so a single run can show a "strong" change in identical code. A second run of just
    the suspects, with more rounds, costs little and turns those into "noise-suspected".
    """
    suspects = [c for c in comps if needs_confirmation(c)]
    if not suspects:
        return comps
    # asv matches "name(params)" for parameterized benchmarks: select exactly the suspects.
    regex = "^(?:" + "|".join(re.escape(c.name) for c in suspects) + ")$"
    before, after = measure(s, s.results_dir / "confirm", [regex], s.args.confirm_rounds)
    again = {c.name: c for c in compare_sets(before, after, s.args.policy)}
    out = []
    for c in comps:
        if not needs_confirmation(c):
            out.append(c)
            continue
        second = again.get(c.name)
        if second is not None and second.status is Status.REGRESSION:
            r = second.ratio
            note = f"{c.note}; reproduced (ratio {r:.2f})" if r else c.note
            out.append(replace(c, note=note.lstrip("; ")))
        else:
            r = second.ratio if second is not None else None
            seen = f"ratio {r:.2f}" if r else "no value"
            note = f"not reproduced in a confirmation run ({seen}); {c.note}"
            out.append(replace(c, status=Status.NOISE_SUSPECTED, note=note.rstrip("; ")))
    return out


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report: Report
    try:
        args.policy = load_policy(args.thresholds).with_factor(args.factor)
        session = open_session(args)
        before, after = measure(session, session.results_dir, args.bench or [])
        comps = compare_sets(before, after, args.policy)
        if args.confirm:
            comps = confirm(session, comps)
    except (InfraError, PolicyError) as exc:
        report = Report(args.base, args.head, args.machine, ExitCode.INFRASTRUCTURE, error=str(exc))
    else:
        settings = {
            "rounds": args.rounds or "benchmark default",
            "repeats": args.repeats or "benchmark default",
            "default_factor": args.policy.default_factor,
            "bench": ",".join(args.bench or []) or "all",
            "confirm": args.confirm,
        }
        report = Report(session.base, session.head, args.machine, exit_code(comps), comps, settings)
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
