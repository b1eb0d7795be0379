"""Regression gate and culprit finder on top of asv.

asv's own `continuous` mixes "regressed" with "a benchmark failed", `compare` always exits 0 and
the published site only shows commit ranges. These modules read asv's results JSON directly,
decide with explicit rules (docs/regressions.md) and pin regressions to single commits.
"""
