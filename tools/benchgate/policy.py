"""Every regression threshold of the tools, loaded from one file (tools/bench_thresholds.json).

Three verdicts read it: the PR gate (``default_factor`` and the exact factors, A/B),
the published site (``history_factors`` and the exact factors, commit after commit) and the
pytest-benchmark compare (``pytest_benchmark_factor`` over ``pytest_benchmark_runs`` runs,
tools/perf_regression.py). docs/regressions.md, "Thresholds", says why each differs.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Kind

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "bench_thresholds.json"


def _history_defaults() -> dict[str, float]:
    return {
        str(Kind.TIME): 1.4,
        str(Kind.THROUGHPUT): 1.4,
        str(Kind.MEMORY): 1.05,
        str(Kind.SERVER_CPU): 1.4,
    }


class PolicyError(ValueError):
    """The thresholds file is unreadable or malformed."""


@dataclass(frozen=True)
class Policy:
    """How big and how certain a change must be before the gate calls it a regression.

    ``default_factor``: ratio after/before at or above which a noisy benchmark (time, memory,
    throughput) counts as changed. ``thresholds``: regex -> factor overrides, matched against
    the entry name (``module.Class.time_x(params)``); like asv, the largest matching factor wins.
    ``counter_factor``: the same for deterministic track_ counters; ``instruction_factor`` for
    instruction counts under callgrind (they repeat to parts per million). ``counter_tolerance``: a
    counter within this relative change counts as unchanged when confirming a timing change.
    ``fast_share``: timings are compared on the fastest share of their samples (stats.fastest);
    1.0 compares all samples like asv. ``strong_p`` / ``weak_p``: Mann-Whitney p-values for
    strong (asv's own 0.002) and weak evidence. ``throughput``: regex naming track_
    benchmarks that are rates (higher is better, noisy) rather than counters; units containing
    "/s" are rates too.
    """

    default_factor: float = 1.15
    counter_factor: float = 1.02
    instruction_factor: float = 1.01
    counter_tolerance: float = 0.005
    strong_p: float = 0.002
    weak_p: float = 0.05
    fast_share: float = 0.34
    throughput: str = r"(per_s|per_sec|throughput|_rate)\b"
    thresholds: dict[str, float] = field(default_factory=dict)
    # Site history (tools/benchgate/history.py): factor per Kind value of a noisy kind for the
    # published regressions, commit after commit rather than A/B.
    history_factors: dict[str, float] = field(default_factory=_history_defaults)
    # tools/perf_regression.py: a benchmark's min over the baseline's past this in every run.
    pytest_benchmark_factor: float = 2.25
    pytest_benchmark_runs: int = 3

    def factor_for(self, name: str, kind: Kind) -> float:
        if kind is Kind.INSTRUCTIONS:
            base = self.instruction_factor
        elif kind is Kind.COUNTER:
            base = self.counter_factor
        else:
            base = self.default_factor
        matched = [f for rx, f in self.thresholds.items() if re.search(rx, name)]
        return max(matched) if matched else base

    def is_throughput(self, key: str, unit: str) -> bool:
        return "/s" in (unit or "") or re.search(self.throughput, key) is not None

    def with_factor(self, factor: float | None) -> Policy:
        return self if factor is None else dataclasses.replace(self, default_factor=factor)

    def history_factor(self, kind: Kind) -> float:
        """The site's threshold for a kind, as a ratio (1.01 = 1%)."""
        if kind is Kind.INSTRUCTIONS:
            return self.instruction_factor
        if kind is Kind.COUNTER:
            return self.counter_factor
        return self.history_factors.get(str(kind), _history_defaults()[str(kind)])


_FIELDS = {f.name: f.type for f in dataclasses.fields(Policy)}
_NUMBERS = {"float": float, "int": int}


def load_policy(path: Path | None) -> Policy:
    """Read a policy file; keys starting with ``_`` are comments, unknown keys are an error."""
    if path is None:
        path = DEFAULT_POLICY_PATH
        if not path.exists():
            return Policy()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyError(f"cannot read thresholds file {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"thresholds file {path} must hold a JSON object")
    data = {k: v for k, v in raw.items() if not k.startswith("_")}
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise PolicyError(f"unknown key(s) in {path}: {', '.join(unknown)}")
    thresholds = data.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise PolicyError(f"'thresholds' in {path} must map regex -> factor")
    try:
        for rx in thresholds:
            re.compile(rx)
        data["thresholds"] = {str(k): float(v) for k, v in thresholds.items()}
        for key, value in data.items():
            if _FIELDS[key] in _NUMBERS:
                data[key] = _NUMBERS[_FIELDS[key]](value)
        history = {str(k): float(v) for k, v in dict(data.get("history_factors", {})).items()}
    except (re.error, TypeError, ValueError) as exc:
        raise PolicyError(f"bad value in {path}: {exc}") from None
    unknown_kinds = sorted(set(history) - set(_history_defaults()))
    if unknown_kinds:
        raise PolicyError(f"unknown kind(s) in history_factors of {path}: {unknown_kinds}")
    if any(f <= 1.0 for f in history.values()):
        raise PolicyError(f"history_factors in {path} must be ratios > 1")
    data["history_factors"] = {**_history_defaults(), **history}
    policy = Policy(**data)
    if policy.default_factor <= 1.0 or min(policy.counter_factor, policy.instruction_factor) < 1.0:
        raise PolicyError(f"factors in {path} must be ratios > 1 (e.g. 1.15 for +15%)")
    if policy.pytest_benchmark_factor <= 1.0 or policy.pytest_benchmark_runs < 1:
        raise PolicyError(f"pytest_benchmark_factor in {path} must be > 1, runs >= 1")
    if not 0.0 < policy.fast_share <= 1.0:
        raise PolicyError(f"fast_share in {path} must be in (0, 1]")
    return policy
