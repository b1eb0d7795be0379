"""Regression detection in one series of a published graph (benchgate.history runs it).

Every function works on the lower-is-better form of a series (a rate becomes time per unit)
of ``(revision, value)`` points of code commits only, and returns :class:`Found` jumps in
the series' own units: asv's step detection for noisy series (``asv_steps``), exact steps for
deterministic ones (``exact_steps``) and creeping regressions (``creeping``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from asv.step_detect import detect_regressions, detect_steps

CREEP_MIN_STEPS = 3


@dataclass(frozen=True)
class Found:
    """One regression of one series: ``before_rev`` is always the last code commit before the
    change (``pinned`` says whether it is also the only code commit in the range)."""

    before_rev: int
    after_rev: int
    before: float
    after: float
    rule: str
    steps: int = 1
    pinned: bool = False


def to_cost(v: float, higher_is_better: bool) -> float:
    """Lower-is-better form: a rate becomes time per unit."""
    return 1.0 / v if higher_is_better else v


def _weight(ci: tuple[float, float] | None, higher: bool) -> float | None:
    """asv's data-point weight (asv._stats.get_weight: 2 / width of the 99% interval), for the
    lower-is-better form of the value."""
    if ci is None:
        return None
    a, b = ci
    if higher:
        if a <= 0 or b <= 0:
            return None
        a, b = 1.0 / a, 1.0 / b
    width = abs(b - a)
    return None if width == 0 or math.isinf(width) or math.isnan(width) else 2.0 / width


def asv_steps(
    points: list[tuple[int, float]],
    factor: float,
    higher: bool,
    start_rev: int,
    ci: dict[int, tuple[float, float]] | None = None,
) -> tuple[float | None, float | None, list[Found]]:
    """asv publish's detection (asv.graph._compute_graph_steps + detect_regressions) on the
    lower-is-better form of the series, weighted like asv when ``ci`` (99% intervals by
    revision) is given. Returns (last, best, found) in the series' own units."""
    pts = [(r, v) for r, v in points if v > 0 or not higher]
    if not pts:
        return None, None, []
    x = [r for r, _ in pts]
    y = [to_cost(v, higher) for _, v in pts]
    w = [_weight(ci.get(r), higher) for r in x] if ci else None
    steps = [(x[lo], x[hi - 1] + 1, v, m, e) for lo, hi, v, m, e in detect_steps(y, w)]
    steps = [s for s in steps if s[1] >= start_rev]
    last, best, jumps = detect_regressions(steps, factor - 1.0)
    if last is None:
        return None, None, []
    back = (lambda c: 1.0 / c) if higher else (lambda c: c)
    found = [Found(rb, ra, back(cb), back(ca), "step") for rb, ra, cb, ca in jumps]
    return back(last), back(best), found


def exact_steps(
    points: list[tuple[int, float]], factor: float, higher: bool, start_rev: int
) -> list[Found]:
    """Deterministic series: a step between consecutive code commits worse by ``factor`` or
    more, unless a later commit undid it (the best value after it is back within ``factor``)."""
    cost = [(r, to_cost(v, higher), v) for r, v in points if v > 0 or not higher]
    found = []
    best_after = math.inf
    best_raw = None
    for i in range(len(cost) - 1, 0, -1):
        r, c, raw = cost[i]
        if c < best_after:
            best_after, best_raw = c, raw
        rp, cp, rawp = cost[i - 1]
        if r >= start_rev and cp > 0 and best_after >= cp * factor:
            found.append(Found(rp, r, rawp, best_raw, "exact"))
    found.reverse()
    return found


def creeping(
    points: list[tuple[int, float]], factor: float, higher: bool, start_rev: int
) -> list[Found]:
    """Runs of >= CREEP_MIN_STEPS consecutive code commits each worse by at least half the
    threshold and none past it alone, together past it (and not undone later)."""
    cost = [(r, to_cost(v, higher), v) for r, v in points if v > 0]
    floor = 1.0 + (factor - 1.0) / 2
    n = len(cost)
    best_after = [math.inf] * (n + 1)
    for i in range(n - 1, -1, -1):
        best_after[i] = min(best_after[i + 1], cost[i][1])
    found = []
    i = 0
    while i < n - 1:
        j = i
        while j < n - 1 and floor <= cost[j + 1][1] / cost[j][1] < factor:
            j += 1
        steps = j - i
        if (
            steps >= CREEP_MIN_STEPS
            and cost[j][0] >= start_rev
            and cost[j][1] >= cost[i][1] * factor
            and best_after[j] >= cost[i][1] * factor
        ):
            after = best_after[j]
            raw_after = 1.0 / after if higher else after
            found.append(Found(cost[i][0], cost[j][0], cost[i][2], raw_after, "creeping", steps))
        i = max(j, i + 1)
    return found
