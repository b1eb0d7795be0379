"""The gate's decision rules: one status per benchmark entry, one exit code per run.

Rules (docs/regressions.md explains them for contributors):
- An instruction count (track_instructions_*, callgrind) is exact: past ``instruction_factor``
  (1%) either way is a regression or an improvement (lower is better); nothing else is needed.
- A ``time_`` benchmark whose instruction-count twin has a value at both commits is decided by
  the twin: its own row becomes "info" (shown, never failing) with what timing alone said.
- A noisy benchmark (time, throughput) is *changed* when its median ratio passes its factor.
  With strong evidence it is a regression. With weak or untested evidence it is cross-checked
  against its deterministic track_ counter siblings: any sibling worse -> regression
  ("confirmed"); siblings all unchanged -> "noise-suspected" (reported, does not fail); no
  sibling -> regression (asv's behaviour).
- Memory (peakmem_/mem_) and counters are single values: past the factor is a regression.
- A benchmark that fails at HEAD is "failed"; exit code 2 outranks 1 because the run is
  incomplete and its verdict cannot be trusted.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

from .model import Kind, Measurement, entry_name, instructions_twin
from .policy import Policy
from .stats import Evidence, evidence, fastest, slowest


class Status(StrEnum):
    REGRESSION = "regression"
    NOISE_SUSPECTED = "noise-suspected"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    FIXED = "fixed"
    SKIPPED = "skipped"
    INFO = "info"  # a timing whose instruction-count twin decided: shown, never failing
    NEW = "new"
    REMOVED = "removed"
    INCOMPARABLE = "incomparable"


class ExitCode(IntEnum):
    OK = 0
    REGRESSION = 1
    BENCHMARK_FAILED = 2
    INFRASTRUCTURE = 3


@dataclass(frozen=True)
class Comparison:
    name: str
    key: str
    params: tuple[str, ...]
    kind: Kind
    unit: str
    before: float | None
    after: float | None
    factor: float
    status: Status
    evidence: Evidence = Evidence.UNTESTED
    p: float | None = None
    note: str = ""
    decided_by: str = ""  # the signal behind the status: DECIDED_BY values

    @property
    def ratio(self) -> float | None:
        """after / before, as asv prints it (None when either side has no value)."""
        if not _num(self.before) or not _num(self.after):
            return None
        if self.before == 0:
            return math.inf if self.after else 1.0
        return self.after / self.before  # type: ignore[operator]


# Which signal decided a row (the summary's "Decided by" column).
BY_INSTRUCTIONS = "instructions"
BY_COUNTER = "counter"
BY_MEMORY = "memory value"
BY_TIMING = "timing statistics"
BY_NOTHING = "nothing (server CPU time is read, not judged)"
_DECIDED_BY = {
    Kind.INSTRUCTIONS: BY_INSTRUCTIONS,
    Kind.COUNTER: BY_COUNTER,
    Kind.MEMORY: BY_MEMORY,
    Kind.TIME: BY_TIMING,
    Kind.THROUGHPUT: BY_TIMING,
    Kind.SERVER_CPU: BY_NOTHING,
}


def _num(v: float | None) -> bool:
    return v is not None and not math.isnan(v)


def _badness(before: float, after: float, higher_is_better: bool) -> float:
    """Ratio > 1 means worse, whichever direction the benchmark counts."""
    num, den = (before, after) if higher_is_better else (after, before)
    if den == 0:
        return math.inf if num > 0 else 1.0
    return num / den


def _whole_shift(before: Measurement, after: Measurement, policy: Policy, factor: float) -> bool:
    """A real change moves the slow samples by the factor too, not only the fast ones."""
    hi_a = slowest(before.samples, policy.fast_share)
    hi_b = slowest(after.samples, policy.fast_share)
    if not hi_a or not hi_b:
        return True
    m_a, m_b = statistics.median(hi_a), statistics.median(hi_b)
    if m_a <= 0 or m_b <= 0:
        return True
    return max(m_b / m_a, m_a / m_b) >= factor


def compare_entry(
    before: Measurement | None, after: Measurement | None, policy: Policy
) -> Comparison:
    """Status of one entry before sibling cross-checking (weak changes stay provisional)."""
    ref = after or before
    assert ref is not None
    factor = policy.factor_for(ref.name, ref.kind)
    base = Comparison(
        name=ref.name,
        key=ref.key,
        params=ref.params,
        kind=ref.kind,
        unit=ref.unit,
        before=before.value if before else None,
        after=after.value if after else None,
        factor=factor,
        status=Status.UNCHANGED,
        decided_by=_DECIDED_BY[ref.kind],
    )
    if after is None:
        return replace(base, status=Status.REMOVED)
    if after.failed:
        note = "still failing" if before is not None and before.failed else "fails at head"
        return replace(base, status=Status.FAILED, note=note)
    if before is None:
        return replace(base, status=Status.NEW)
    if before.version and after.version and before.version != after.version:
        return replace(base, status=Status.INCOMPARABLE, note="benchmark version changed")
    if after.skipped or before.skipped:
        return replace(base, status=Status.SKIPPED)
    if before.failed:
        return replace(base, status=Status.FIXED)

    higher = ref.kind is Kind.THROUGHPUT
    bad = _badness(before.value, after.value, higher)  # type: ignore[arg-type]
    better = 1 / bad if bad > 0 else math.inf
    if ref.kind is Kind.SERVER_CPU:
        # One value on a 10 ms clock that moves with the server's JIT and GC: shown beside the
        # wall clock when it moved, never failing and never confirming a timing.
        if bad < factor and better < factor:
            return base
        return replace(base, status=Status.INFO, note="server CPU time moved (not a verdict)")
    if ref.kind in (Kind.COUNTER, Kind.MEMORY, Kind.INSTRUCTIONS):
        # Single exact values: an instruction count repeats to parts per million, so its 1%
        # needs no statistics (a ratio within 1/factor..factor is unchanged).
        if bad < factor and better < factor:
            return base
        return replace(base, status=Status.REGRESSION if bad >= factor else Status.IMPROVED)

    a = fastest(before.samples, policy.fast_share)
    b = fastest(after.samples, policy.fast_share)
    if a and b:
        # Time with samples: compare the undisturbed mode (stats.fastest), not asv's median.
        before_v, after_v = statistics.median(a), statistics.median(b)
        base = replace(base, before=before_v, after=after_v)
        bad = _badness(before_v, after_v, higher)
        better = 1 / bad if bad > 0 else math.inf
    worse = bad >= 1.0
    ev, p = evidence(a, b, before.ci, after.ci, worse, factor, policy.strong_p, policy.weak_p)
    if ev is Evidence.STRONG and a and b and not _whole_shift(before, after, policy, factor):
        # Only part of the distribution moved: on a shared machine that is one side having
        # had more undisturbed rounds than the other, not slower code.
        ev = Evidence.WEAK
    base = replace(base, evidence=ev, p=p)
    if bad < factor and better < factor:
        return base
    if ev is Evidence.NONE:
        return replace(base, note="not significant")
    if bad < factor:
        if ev is Evidence.WEAK:
            return replace(base, note="improvement, weak evidence")
        return replace(base, status=Status.IMPROVED)
    # Worse beyond the factor: strong is final, weak/untested waits for the counters.
    return replace(base, status=Status.REGRESSION)


def counter_direction(c: Comparison, tol: float) -> int | None:
    """+1 worse, -1 better, 0 unchanged, None unusable."""
    if c.kind is not Kind.COUNTER or not _num(c.before) or not _num(c.after):
        return None
    r = c.ratio
    if r is None:
        return None
    if r > 1 + tol:
        return 1
    if r < 1 - tol:
        return -1
    return 0


def siblings(timing: Comparison, counters: Iterable[Comparison]) -> list[Comparison]:
    """Deterministic counters that measure the same operation as ``timing``.

    Same module, and a class named like the timing class or extending its name
    (``Generate`` -> ``GenerateAllocations``); same parameters, or when the counter lacks that
    combination, the same parameters except the last (usually the size).
    """
    module, _, cls = timing.key.rsplit(".", 1)[0].rpartition(".")
    pool = []
    for c in counters:
        c_module, _, c_cls = c.key.rsplit(".", 1)[0].rpartition(".")
        if c_module == module and c_cls.startswith(cls):
            pool.append(c)
    exact = [c for c in pool if c.params == timing.params or not c.params]
    if exact:
        return exact
    return [c for c in pool if timing.params and c.params[:-1] == timing.params[:-1]]


def cross_check(comparisons: list[Comparison], policy: Policy) -> list[Comparison]:
    """Confirm or reject weak timing/throughput regressions with deterministic counters."""
    counters = [c for c in comparisons if c.kind is Kind.COUNTER]
    out = []
    for c in comparisons:
        noisy = c.kind in (Kind.TIME, Kind.THROUGHPUT)
        if not (noisy and c.status is Status.REGRESSION):
            out.append(c)
            continue
        sibs = siblings(c, counters)
        moves = {s.name: counter_direction(s, policy.counter_tolerance) for s in sibs}
        usable = {n: d for n, d in moves.items() if d is not None}
        worse = sorted(n for n, d in usable.items() if d == 1)
        if c.evidence is Evidence.STRONG:
            note = (
                f"confirmed by {', '.join(worse)}"
                if worse
                else ("counters unchanged (pure CPU cost)" if usable else "")
            )
            out.append(replace(c, note=note))
        elif worse:
            note = f"{c.evidence} evidence, confirmed by {', '.join(worse)}"
            out.append(replace(c, note=note, decided_by=f"{BY_TIMING} + {BY_COUNTER}"))
        elif usable:
            out.append(
                replace(
                    c,
                    status=Status.NOISE_SUSPECTED,
                    note=f"{c.evidence} evidence, counters unchanged: {', '.join(sorted(usable))}",
                    decided_by=BY_COUNTER,
                )
            )
        else:
            out.append(replace(c, note=f"{c.evidence} evidence, no deterministic counter"))
    return out


def twin_of(timing: Comparison, by_name: Mapping[str, Comparison]) -> Comparison | None:
    """The instruction-count twin of a ``time_`` row when it can decide: it has a value at both
    commits and compares (regression, improvement or unchanged; not skipped or failed)."""
    key = instructions_twin(timing.key) if timing.kind is Kind.TIME else None
    twin = by_name.get(entry_name(key, timing.params)) if key else None
    decisive = (Status.REGRESSION, Status.IMPROVED, Status.UNCHANGED)
    if twin is None or twin.status not in decisive or twin.ratio is None:
        return None
    return twin


def defer_to_twins(comparisons: list[Comparison]) -> list[Comparison]:
    """A timing with a decisive instruction-count twin is shown for information only: the twin
    row carries the verdict (exact), the timing row says what timing alone would have said."""
    by_name = {c.name: c for c in comparisons}
    out = []
    for c in comparisons:
        twin = twin_of(c, by_name) if c.status is not Status.FAILED else None
        if twin is None:
            out.append(c)
            continue
        seen = f"{c.ratio:.2f}x, " if c.ratio is not None else ""
        alone = f"{c.status} ({seen}{c.evidence} evidence)"
        note = (
            f"decided by instructions: {twin.status} ({twin.ratio:.4f}x, {twin.key}); "
            f"timing alone: {alone}"
        )
        out.append(replace(c, status=Status.INFO, note=note, decided_by=BY_INSTRUCTIONS))
    return out


def compare_sets(
    before: Mapping[str, Measurement], after: Mapping[str, Measurement], policy: Policy
) -> list[Comparison]:
    """Compare every entry present at either commit, sorted by name."""
    names = sorted(set(before) | set(after))
    first = [compare_entry(before.get(n), after.get(n), policy) for n in names]
    return defer_to_twins(cross_check(first, policy))


def exit_code(comparisons: Iterable[Comparison]) -> ExitCode:
    statuses = {c.status for c in comparisons}
    if Status.FAILED in statuses:
        return ExitCode.BENCHMARK_FAILED
    if Status.REGRESSION in statuses:
        return ExitCode.REGRESSION
    return ExitCode.OK
