"""Binary search for the first bad commit, with skips for commits that cannot be measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class BisectResult:
    """``culprit`` is the first bad commit, or None when skipped commits leave a tie;
    ``suspects`` then lists every commit that may be it (oldest first)."""

    culprit: str | None
    suspects: list[str]
    probed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def bisect(commits: list[str], is_bad: Callable[[str], bool | None]) -> BisectResult:
    """``commits[0]`` is known good and ``commits[-1]`` known bad (oldest first).

    ``is_bad`` returns None for a commit that cannot be classified (build or benchmark
    failure); it is skipped, like ``git bisect skip``. Probes ceil(log2(len(commits) - 1)).
    """
    if len(commits) < 2:
        raise ValueError("need a good and a bad commit")
    live = list(commits)
    lo, hi = 0, len(live) - 1
    probed: list[str] = []
    skipped: list[str] = []
    while hi - lo > 1:
        mid = (lo + hi) // 2
        verdict = is_bad(live[mid])
        probed.append(live[mid])
        if verdict is None:
            skipped.append(live.pop(mid))
            hi -= 1
        elif verdict:
            hi = mid
        else:
            lo = mid
    first_bad = live[hi]
    a, b = commits.index(live[lo]), commits.index(first_bad)
    suspects = commits[a + 1 : b + 1]
    culprit = first_bad if len(suspects) == 1 else None
    return BisectResult(culprit, suspects, probed, skipped)
