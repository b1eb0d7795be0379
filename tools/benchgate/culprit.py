"""Culprit finder: pin every regression asv publish found to the commit that caused it."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .asvcmd import AsvProject, InfraError, parse_args
from .bisect import bisect
from .commits import CommitsError, code_commits
from .decide import compare_sets, counter_direction, siblings
from .model import Kind, Measurement, instructions_twin, is_instructions
from .policy import Policy, PolicyError, load_policy
from .results import kind_of, load_commit, load_meta
from .site import Jump, SiteError, read_jumps, show_commit_url, write_site


def probe_regex(key: str) -> str:
    """asv --bench regex: the benchmark itself plus every track_ of its sibling classes."""
    cls_path, _, _method = key.rpartition(".")
    module, _, cls = cls_path.rpartition(".")
    prefix = rf"{re.escape(module)}\.{re.escape(cls)}\w*" if module else re.escape(cls)
    # asv matches a parameterized benchmark's regex against "name(params)" only.
    return rf"^(?:{re.escape(key)}|{prefix}\.track_\w+)(?:\(.*\))?$"


def class_regex(key: str) -> str:
    """asv --bench regex: every track_ of ``key``'s class and nothing else (one Instructions
    class: one callgrind child per probed commit)."""
    cls_path = key.rpartition(".")[0]
    return rf"^{re.escape(cls_path)}\.track_\w+(?:\(.*\))?$"


def is_rising_rate(jump: Jump, meta: dict[str, dict], policy: Policy) -> bool:
    """asv lists every rise of a benchmark's value as a regression; for a throughput (a rate:
    higher is better) a rise is an improvement, and pinning it would call a speed-up a
    regression on the culprits page."""
    key = jump.name.split("(")[0]
    return kind_of(key, meta.get(key, {}), policy) is Kind.THROUGHPUT and jump.after > jump.before


@dataclass
class Signal:
    """How a probed commit is classified: by deterministic counters when the endpoints'
    counters differ (exact), otherwise by the benchmark's value against the geometric
    midpoint of the endpoint values."""

    name: str
    counters: dict[str, tuple[float, float]]
    good: float
    bad: float
    higher_is_better: bool

    def describe(self) -> str:
        if self.counters:
            return "counter " + ", ".join(sorted(self.counters))
        return "timing (geometric midpoint)" if self.name else "timing"

    def is_bad(self, got: dict[str, Measurement]) -> bool | None:
        if self.counters:
            votes = set()
            for cname, (g, b) in self.counters.items():
                m = got.get(cname)
                if m is None or not m.ok or m.value <= 0 or g <= 0 or b <= 0:
                    return None
                votes.add(abs(math.log(m.value / b)) < abs(math.log(m.value / g)))
            return votes.pop() if len(votes) == 1 else None
        m = got.get(self.name)
        if m is None or not m.ok or m.value <= 0:
            return None
        mid = math.sqrt(self.good * self.bad)
        return m.value <= mid if self.higher_is_better else m.value >= mid


@dataclass
class InstructionSignal:
    """Exact: a probed commit is bad when its instruction count is up by the policy's
    ``instruction_factor`` (1%) or more from the good end's."""

    name: str
    good: float
    bad: float
    factor: float

    def describe(self) -> str:
        return f"instructions {self.name} (exact, {self.factor:.2f}x)"

    def is_bad(self, got: dict[str, Measurement]) -> bool | None:
        m = got.get(self.name)
        if m is None or not m.ok or self.good <= 0:
            return None
        return m.value / self.good >= self.factor


def twin_entry(name: str, meta: dict[str, dict]) -> str | None:
    """The instruction-count entry that decides for ``name``: itself for an instruction
    benchmark, its twin for a ``time_`` benchmark that has one in the suite."""
    key, paren, rest = name.partition("(")
    if is_instructions(key):
        return name
    twin = instructions_twin(key)
    if twin is None or twin not in meta:
        return None
    return twin + paren + rest


@dataclass
class Finder:
    project: AsvProject
    config: Path
    results_dir: Path
    policy: Policy
    log: Path
    fresh_endpoints: bool = False
    machine_override: str | None = None
    meta: dict[str, dict] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    _fresh: set[tuple[str, str]] = field(default_factory=set)
    _machines: set[str] = field(default_factory=set)
    _good: str = ""
    _bad: str = ""

    def _ensure_machine(self, machine: str) -> None:
        if machine not in self._machines:
            self.project.ensure_machine(self.config, machine, self.log)
            self._machines.add(machine)

    def values(
        self, machine: str, commit: str, key: str, force: bool = False, regex: str | None = None
    ) -> dict:
        """Entries at ``commit``, from stored results unless missing (or ``force``)."""
        have = load_commit(self.results_dir, machine, commit, self.policy)
        stored = any(m.key == key for m in have.values())
        if stored and not (force and (machine, commit) not in self._fresh):
            return have
        self._ensure_machine(machine)
        self.project.asv(
            [
                "run",
                "--config",
                str(self.config),
                "--machine",
                machine,
                "--bench",
                regex or probe_regex(key),
                "--show-stderr",
                f"{commit}^!",
            ],
            self.log,
        )
        self._fresh.add((machine, commit))
        if commit not in self.built:
            self.built.append(commit)
        return load_commit(self.results_dir, machine, commit, self.policy)

    def signal(self, name: str, good: dict, bad: dict) -> Signal | str:
        g, b = good.get(name), bad.get(name)
        if g is None or b is None or not g.ok or not b.ok:
            return "the benchmark has no value at an end of the range"
        higher = g.kind is Kind.THROUGHPUT
        if g.kind is Kind.COUNTER:
            counters = {name: (g.value, b.value)} if g.value != b.value else {}
        else:
            comps = compare_sets(good, bad, self.policy)
            me = next(c for c in comps if c.name == name)
            moved = [
                s
                for s in siblings(me, [c for c in comps if c.kind is Kind.COUNTER])
                if counter_direction(s, self.policy.counter_tolerance) not in (0, None)
            ]
            counters = {s.name: (s.before, s.after) for s in moved}
        if not counters:
            worse = b.value / g.value if not higher else g.value / b.value
            if worse < math.sqrt(self.policy.factor_for(name, g.kind)):
                return f"not reproduced at the range ends (ratio {b.value / g.value:.2f})"
        return Signal(name, counters, g.value, b.value, higher)

    def instruction_signal(self, name: str, machine: str) -> InstructionSignal | str | None:
        """The exact signal when ``name`` has an instruction count (itself or its twin) with a
        value at both ends; a reason when that count did not move; None to fall back."""
        twin = twin_entry(name, self.meta)
        if twin is None:
            return None
        key = twin.split("(")[0]
        ends = []
        for end in (self._good, self._bad):
            got = self.values(machine, end, key, self.fresh_endpoints, regex=class_regex(key))
            m = got.get(twin)
            if m is None or not m.ok or m.value <= 0:
                return None  # no valgrind where the history was measured: timing decides
            ends.append(m.value)
        g, b = ends
        factor = self.policy.instruction_factor
        if b / g < factor:
            return (
                f"not reproduced by the instruction count {twin} (ratio {b / g:.4f} at the range "
                f"ends, threshold {factor:.2f}): no CPU change in the package code"
            )
        return InstructionSignal(twin, g, b, factor)

    def pin(self, jump: Jump, url: str) -> dict:
        key = jump.name.split("(")[0]
        machine = self.machine_override or jump.machine or ""
        out: dict = {
            "benchmark": jump.name,
            "graph": jump.graph,
            "machine": machine,
            "good": jump.good,
            "bad": jump.bad,
            "before": jump.before,
            "after": jump.after,
            "commit_url": url,
            "built": [],
            "probes": [],
        }
        if jump.good is None:
            out.update(
                range_size=1, culprit=jump.bad, signal="asv (single-commit range)", decided_by="asv"
            )
            return self._describe(out)
        self._good, self._bad = jump.good, jump.bad
        out["range_size"] = len(self.project.first_parent_range(jump.good, jump.bad))
        # Only commits that change what `pip install .` builds can cause a jump: the others
        # measure their parent's code. The last code commit has the bad end's code.
        try:
            code = code_commits(self.project.root, f"{jump.good}..{jump.bad}")
        except CommitsError as exc:
            raise InfraError(str(exc)) from None
        out["code_commits"] = code
        if not code:
            out.update(culprit=None, reason="no commit in the range changes package code: noise")
            return out
        if len(code) == 1:
            out.update(culprit=code[0], signal="range of one code commit", decided_by="range")
            return self._describe(out)
        commits = [jump.good, *code[:-1], jump.bad]
        start = len(self.built)
        sig = self.instruction_signal(jump.name, machine)
        if sig is None:
            good = self.values(machine, jump.good, key, self.fresh_endpoints)
            bad = self.values(machine, jump.bad, key, self.fresh_endpoints)
            sig = self.signal(jump.name, good, bad)
        if isinstance(sig, str):
            out.update(culprit=None, reason=sig, built=self.built[start:])
            return out
        if isinstance(sig, InstructionSignal):
            out["decided_by"] = "instructions"
            probe_key, regex = sig.name.split("(")[0], class_regex(sig.name.split("(")[0])
        else:
            out["decided_by"] = "counter" if sig.counters else "timing"
            probe_key, regex = key, None

        def classify(commit: str) -> bool | None:
            got = self.values(machine, commit, probe_key, regex=regex)
            verdict = sig.is_bad(got)
            m = got.get(sig.name)
            out["probes"].append(
                {
                    "commit": commit,
                    "value": m.value if m is not None and m.ok else None,
                    "verdict": {True: "bad", False: "good", None: "unknown"}[verdict],
                }
            )
            return verdict

        result = bisect(commits, classify)
        if result.culprit == jump.bad and jump.bad not in code:
            result.culprit = code[-1]  # the bad end measures the last code commit's code
        out.update(
            culprit=result.culprit,
            signal=sig.describe(),
            built=self.built[start:],
            suspects=result.suspects,
        )
        if result.culprit is None:
            out["reason"] = f"{len(result.suspects)} suspects (unmeasurable commits skipped)"
        return self._describe(out)

    def _describe(self, out: dict) -> dict:
        if out.get("culprit"):
            out["subject"] = self.project.subject(out["culprit"])
        return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="culprit",
        description="Bisect each regression in html/regressions.json to its commit.",
    )
    p.add_argument("--html", type=Path, default=Path("html"), help="published asv site")
    p.add_argument("--write", action="store_true", help="write culprits.json/html into --html")
    p.add_argument("--root", type=Path, default=Path.cwd(), help="project root (git + asv)")
    p.add_argument("--config", type=Path, help="asv config (default ROOT/asv.conf.json)")
    p.add_argument("--results-dir", type=Path, help="results to reuse and extend (config's)")
    p.add_argument("--machine", help="machine name for new runs (default: the graph's)")
    p.add_argument("--thresholds", type=Path, help="policy JSON (tools/bench_thresholds.json)")
    p.add_argument(
        "--fresh-endpoints",
        action="store_true",
        help="re-measure both ends of each range here instead of trusting stored results",
    )
    p.add_argument("--bench", help="only regressions whose benchmark matches this regex")
    p.add_argument("--json", type=Path, dest="json_out", help="also write the culprits here")
    p.add_argument("--log", type=Path, help="asv output log (default .asv/culprit.log)")
    return p


def run(argv: list[str] | None = None) -> int:
    """Exit 0 when every regression is pinned (or there is none), 1 when some is not, 3 on
    infrastructure/usage problems."""
    args = parse_args(build_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        project = AsvProject.at(args.root, args.config)
        html_dir = args.html if args.html.is_absolute() else project.root / args.html
        jumps = read_jumps(html_dir)
        if args.bench:
            jumps = [j for j in jumps if re.search(args.bench, j.name)]
        if args.results_dir:
            results_dir = args.results_dir.resolve()
            config = project.derived_config(results_dir, "culprit")
        else:
            results_dir = project.path("results_dir", "results")
            config = project.config
        policy = load_policy(args.thresholds)
        meta = load_meta(results_dir)
        rises = [is_rising_rate(j, meta, policy) for j in jumps]
        rising = [j for j, rise in zip(jumps, rises, strict=True) if rise]
        jumps = [j for j, rise in zip(jumps, rises, strict=True) if not rise]
        finder = Finder(
            project=project,
            config=config,
            results_dir=results_dir,
            policy=policy,
            log=args.log or project.root / ".asv" / "culprit.log",
            fresh_endpoints=args.fresh_endpoints,
            machine_override=args.machine,
            meta=meta,
        )
        url = show_commit_url(html_dir)
        culprits = [finder.pin(j, url) for j in jumps]
    except (InfraError, SiteError, PolicyError) as exc:
        print(f"culprit: error: {exc}", file=sys.stderr)
        return 3
    for c in culprits:
        if c.get("culprit"):
            print(
                f"{c['benchmark']}: culprit {c['culprit'][:8]} {c.get('subject', '')!r} "
                f"(range of {c['range_size']}, {len(c.get('code_commits', []))} code commits, "
                f"{len(c['built'])} built, by {c['signal']})"
            )
        else:
            print(f"{c['benchmark']}: not pinned: {c.get('reason', '')}")
    if rising:
        print(f"{len(rising)} rise(s) of a rate left out: for a rate, higher is better")
    print(f"{len(culprits)} regression(s), {len(finder.built)} commit(s) built in total")
    if args.write:
        for path in write_site(html_dir, culprits):
            print(f"wrote {path}")
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"culprits": culprits, "built": finder.built}, indent=2), encoding="utf-8"
        )
    return 0 if all(c.get("culprit") for c in culprits) else 1
