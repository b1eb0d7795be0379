"""The PR gate: run asv continuous BASE HEAD, then decide from the saved results JSON.

Measurement comes in up to three asv runs, each over base and head:
1. *instructions*: the instruction-count twins (``*Instructions.track_instructions_*``), once a
   side (one round, one sample): they are exact, more rounds would only repeat them;
2. *timing*: every benchmark without a decisive twin, in interleaved rounds (base, head,
   base, head...) for the statistical rules;
3. *info*: the ``time_`` benchmarks whose twins decide, once a side, shown for information.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .asvcmd import AsvProject, InfraError, tail
from .decide import BY_TIMING, Comparison, ExitCode, Status, compare_sets, exit_code
from .model import Kind, Measurement, entry_name, instructions_twin, is_instructions
from .policy import Policy, PolicyError, load_policy
from .results import load_commit, load_meta
from .summary import Report, render_markdown

INSTRUCTIONS_RX = r"Instructions\.track_instructions_"


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
    project = AsvProject.at(args.root, args.config)
    base = project.resolve(args.base)
    head = project.resolve(args.head)
    if base == head:
        raise InfraError(f"base and head are the same commit ({base[:8]})")
    results_dir = (args.results_dir or project.root / ".asv" / "gate-results").resolve()
    log = args.log or results_dir / "gate.log"
    return Session(project, base, head, results_dir, log, args)


def measure(
    s: Session,
    results_dir: Path,
    bench: list[str],
    rounds: int | None = None,
    repeats: int | None = None,
    required: bool = True,
) -> tuple[dict, dict]:
    """One interleaved asv continuous run of base and head; both measurement sets.

    ``required``: a run that saved nothing is an infrastructure problem (otherwise it just
    measured nothing, e.g. a suite without instruction twins)."""
    args = s.args
    rounds = rounds or args.rounds
    repeats = repeats or args.repeats
    config = s.project.derived_config(results_dir, "gate")
    s.project.ensure_machine(config, args.machine, s.log)
    _clear(results_dir, args.machine, [s.base, s.head])
    cmd = ["continuous", "--config", str(config), "--machine", args.machine]
    cmd += ["--interleave-rounds", "--show-stderr", "--factor", str(args.factor or 1.1)]
    for rx in bench:
        cmd += ["--bench", rx]
    if rounds:
        cmd += ["-a", f"rounds={rounds}"]
    if repeats:
        cmd += ["-a", f"repeat={repeats}"]
    rc = s.project.asv([*cmd, s.base, s.head], s.log)
    before = load_commit(results_dir, args.machine, s.base, args.policy)
    after = load_commit(results_dir, args.machine, s.head, args.policy)
    if not required:
        return before, after
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


def _both(a: str, b: str) -> str:
    """A regex that asv's re.search matches only where both ``a`` and ``b`` match."""
    return rf"^(?=.*?(?:{a}))(?=.*?(?:{b}))"


def _within(user: list[str], rx: str) -> list[str]:
    """``rx`` restricted to the user's --bench regexes (any of them), as asv --bench values."""
    if not user:
        return [rx]
    return [_both("|".join(f"(?:{u})" for u in user), rx)]


def _exact(keys: set[str]) -> str:
    """Exactly these benchmarks, parameterized or not (asv matches ``key(params)``)."""
    return "^(?:" + "|".join(re.escape(k) for k in sorted(keys)) + r")(?:\(|$)"


def _entries(meta: Mapping[str, dict], key: str) -> list[str]:
    """Every entry name of ``key`` as asv matches --bench against it."""
    params = meta.get(key, {}).get("params") or []
    combos = [tuple(str(p) for p in c) for c in itertools.product(*params)] if params else [()]
    return [entry_name(key, c) for c in combos]


def _selected(meta: Mapping[str, dict], user: list[str], keys: set[str]) -> set[str]:
    """The ``keys`` with an entry the user's --bench regexes (if any) select."""
    if not user:
        return set(keys)
    return {k for k in keys if any(re.search(u, e) for u in user for e in _entries(meta, k))}


def decisive_twins(meta: Mapping[str, dict], before: dict, after: dict) -> set[str]:
    """``time_`` benchmarks whose instruction twin has a value at both commits for every
    parameter combination: their verdict comes from the twin, not from timing rounds."""
    out = set()
    for key in meta:
        twin = instructions_twin(key)
        if twin is None or twin not in meta:
            continue
        names = _entries(meta, twin)
        if all(n in before and before[n].ok and n in after and after[n].ok for n in names):
            out.add(key)
    return out


def rates_of_twinned(meta: Mapping[str, dict], twinned: set[str], policy: Policy) -> set[str]:
    """The other wall-clock figures (``time_`` and rates) of the classes whose timings are
    decided by instruction counts: the same operations, so the gate does not time them again."""
    classes = {k.rpartition(".")[0] for k in twinned}
    out = set()
    for key, m in meta.items():
        if key in twinned or key.rpartition(".")[0] not in classes:
            continue
        method = key.rpartition(".")[2]
        if method.startswith("time_") or policy.is_throughput(key, m.get("unit") or ""):
            out.add(key)
    return out


@dataclass
class Measured:
    """Both sides' measurements of all phases, and what each phase ran and cost."""

    before: dict[str, Measurement]
    after: dict[str, Measurement]
    phases: dict[str, str]


def measure_all(s: Session) -> Measured:
    """The three phases (module docstring): exact instruction counts once, the timing rounds
    only for benchmarks without a decisive twin, the twins' timings once for information."""
    user = s.args.bench or []
    before: dict[str, Measurement] = {}
    after: dict[str, Measurement] = {}
    phases: dict[str, str] = {}

    started = time.monotonic()
    ins_dir = s.results_dir / "instructions"
    ib, ia = measure(s, ins_dir, _within(user, INSTRUCTIONS_RX), 1, 1, required=False)
    meta = load_meta(ins_dir)
    twinned = decisive_twins(meta, ib, ia)
    before.update(ib)
    after.update(ia)
    n_ins = len({m.key for m in ia.values() if is_instructions(m.key)})
    phases["instructions"] = f"{n_ins} benchmarks, 1 round ({time.monotonic() - started:.0f}s)"

    started = time.monotonic()
    if meta:
        exclude = twinned | {k for k in meta if is_instructions(k)}
        exclude |= rates_of_twinned(meta, twinned, s.args.policy)
        rest = _selected(meta, user, set(meta) - exclude)
        bench = _within(user, f"^(?!{_exact(exclude)[1:]})") if exclude else user
    else:  # discovery failed in phase 1 (or no suite yet): let this run say why
        rest, bench = {"?"}, user
    if rest:
        tb, ta = measure(s, s.results_dir, bench)
        before.update(tb)
        after.update(ta)
        rounds = s.args.rounds or "default"
        phases["timing"] = (
            f"{len(rest)} benchmarks, {rounds} interleaved rounds "
            f"({time.monotonic() - started:.0f}s)"
        )

    started = time.monotonic()
    info = _selected(meta, user, twinned)
    if info:
        fb, fa = measure(s, s.results_dir / "info", _within(user, _exact(info)), 1)
        before.update(fb)
        after.update(fa)
        took = time.monotonic() - started
        phases["info"] = f"{len(info)} timings with twins, 1 round ({took:.0f}s)"
    if not before or not after:
        raise InfraError(f"nothing was measured; log {s.log}\n{tail(s.log)}")
    return Measured(before, after, phases)


def needs_confirmation(c: Comparison) -> bool:
    """A timing regression, decided by timing alone, that no deterministic counter confirmed."""
    noisy = c.kind in (Kind.TIME, Kind.THROUGHPUT)
    return (
        noisy
        and c.status is Status.REGRESSION
        and c.decided_by == BY_TIMING
        and "confirmed by" not in c.note
    )


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
        measured = measure_all(session)
        comps = compare_sets(measured.before, measured.after, args.policy)
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
            **{f"phase {k}": v for k, v in measured.phases.items()},
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
