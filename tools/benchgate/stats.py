"""Significance of a change between two sample sets, using asv's own Mann-Whitney U test."""

from __future__ import annotations

import math
from enum import StrEnum

from asv import _stats


class Evidence(StrEnum):
    """How sure we are that a ratio beyond the threshold is real.

    STRONG: asv's test says different (Mann-Whitney p < strong_p, or disjoint 99% confidence
    intervals without samples) *and* the fastest samples moved by the factor too: load on a
    shared machine only ever adds time, so a real slowdown also moves the minimum.
    WEAK: some evidence (p < weak_p) but not strong. NONE: no evidence.
    UNTESTED: no samples and no intervals (single values: memory, track_), judge by ratio alone.
    """

    STRONG = "strong"
    WEAK = "weak"
    NONE = "none"
    UNTESTED = "untested"


def _clean(samples: tuple[float, ...] | None) -> list[float]:
    return [s for s in (samples or ()) if s is not None and not math.isnan(s)]


def p_value(a: list[float], b: list[float]) -> float | None:
    """Two-sided Mann-Whitney p, or None when the samples are too few to ever reach 0.05."""
    if len(a) < 2 or len(b) < 2:
        return None
    if 1 / _stats.binom(len(a) + len(b), min(len(a), len(b))) >= 0.05:
        return None
    return float(_stats.mann_whitney_u(a, b)[1])


def fastest(samples: tuple[float, ...] | None, share: float, floor: int = 8) -> list[float]:
    """The fastest ``share`` of the samples (at least ``floor`` of them, or all if fewer).

    Load from other processes only ever adds time: on a shared machine the samples split into
    an undisturbed mode and slower disturbed ones, in proportions that change from round to
    round. The fastest share estimates the undisturbed mode; ``share=1`` keeps every sample
    (asv's own statistics).
    """
    clean = sorted(_clean(samples))
    k = min(len(clean), max(floor, math.ceil(len(clean) * share)))
    return clean[:k]


def slowest(samples: tuple[float, ...] | None, share: float, floor: int = 8) -> list[float]:
    """The slowest ``share`` of the samples (the disturbed mode, when there is one)."""
    clean = sorted(_clean(samples))
    k = min(len(clean), max(floor, math.ceil(len(clean) * share)))
    return clean[len(clean) - k :]


def evidence(
    a: list[float],
    b: list[float],
    ci_a: tuple[float, float] | None,
    ci_b: tuple[float, float] | None,
    worse: bool,
    factor: float,
    strong_p: float,
    weak_p: float,
) -> tuple[Evidence, float | None]:
    """Evidence that samples ``b`` differ from ``a`` (``worse``: b is the slower one)."""
    p = p_value(a, b)
    disjoint = _disjoint(ci_a, ci_b)
    if p is not None:
        lo_a, lo_b = min(a), min(b)
        hi_lo = (lo_b, lo_a) if worse else (lo_a, lo_b)
        min_ratio = hi_lo[0] / hi_lo[1] if hi_lo[1] > 0 else math.inf
        # Too few samples for the test to ever reach strong_p: asv's own fallback decides.
        reachable = 2 / _stats.binom(len(a) + len(b), min(len(a), len(b))) < strong_p
        significant = p < strong_p if reachable else bool(disjoint)
        if significant and min_ratio >= factor:
            return Evidence.STRONG, p
        if p < weak_p:
            return Evidence.WEAK, p
        return Evidence.NONE, p
    if disjoint is None:
        return Evidence.UNTESTED, None
    return (Evidence.STRONG if disjoint else Evidence.NONE), None


def _disjoint(ci_a: tuple[float, float] | None, ci_b: tuple[float, float] | None) -> bool | None:
    """Whether asv's 99% confidence intervals do not overlap (None: no usable intervals)."""
    if ci_a is None or ci_b is None:
        return None
    (a0, a1), (b0, b1) = ci_a, ci_b
    if any(math.isinf(x) or math.isnan(x) for x in (a0, a1, b0, b1)):
        return None
    return not (a1 >= b0 and a0 <= b1)
