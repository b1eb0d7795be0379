"""Markdown (PR comment) and JSON renderings of a gate verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .decide import Comparison, ExitCode, Status
from .model import Kind

_VERDICT = {
    ExitCode.OK: "no regression",
    ExitCode.REGRESSION: "REGRESSION",
    ExitCode.BENCHMARK_FAILED: "BENCHMARK FAILED",
    ExitCode.INFRASTRUCTURE: "INFRASTRUCTURE PROBLEM",
}
_ICON = {
    ExitCode.OK: ":white_check_mark:",
    ExitCode.REGRESSION: ":x:",
    ExitCode.BENCHMARK_FAILED: ":warning:",
    ExitCode.INFRASTRUCTURE: ":construction:",
}
_SECTIONS = [
    (Status.FAILED, "Failed at head"),
    (Status.REGRESSION, "Regressions"),
    (Status.NOISE_SUSPECTED, "Noise-suspected (not failing)"),
    (Status.IMPROVED, "Improvements"),
    (
        Status.INFO,
        "For information, never failing: timings decided by their instruction count, "
        "server CPU times that moved",
    ),
]
_AREA = {
    Kind.TIME: "time",
    Kind.THROUGHPUT: "rate",
    Kind.MEMORY: "memory",
    Kind.COUNTER: "counter",
    Kind.INSTRUCTIONS: "instructions",
    Kind.SERVER_CPU: "server CPU",
}


def _shown(c: Comparison) -> bool:
    """Info rows are listed only when something moved: the twin, or the timing by itself."""
    if c.status is not Status.INFO:
        return True
    return not c.note.startswith("decided by instructions: unchanged") or (
        "timing alone: unchanged" not in c.note
    )


@dataclass
class Report:
    """Everything a reader needs to trust or question the verdict."""

    base: str
    head: str
    machine: str
    code: ExitCode
    comparisons: list[Comparison] = field(default_factory=list)
    settings: dict[str, object] = field(default_factory=dict)
    error: str = ""

    def to_json(self) -> dict:
        return {
            "base": self.base,
            "head": self.head,
            "machine": self.machine,
            "exit_code": int(self.code),
            "verdict": _VERDICT[self.code],
            "settings": self.settings,
            "error": self.error,
            "benchmarks": [
                {
                    "name": c.name,
                    "kind": str(c.kind),
                    "unit": c.unit,
                    "before": _jnum(c.before),
                    "after": _jnum(c.after),
                    "ratio": _jnum(c.ratio),
                    "factor": c.factor,
                    "status": str(c.status),
                    "evidence": str(c.evidence),
                    "p": c.p,
                    "note": c.note,
                    "decided_by": c.decided_by,
                }
                for c in self.comparisons
            ],
        }


def _jnum(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) or math.isinf(v) else v


def human(value: float | None, unit: str) -> str:
    """Short human value: seconds scaled to s/ms/us/ns, bytes to k/M/G."""
    if value is None:
        return "failed"
    if math.isnan(value):
        return "skipped"
    if unit == "seconds":
        for scale, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "μs"), (1e-9, "ns")):
            if abs(value) >= scale or suffix == "ns":
                return f"{value / scale:.3g}{suffix}"
    if unit == "instructions":
        return f"{value:,.0f}"  # exact counts: every digit is signal
    if unit == "bytes":
        for scale, suffix in ((1 << 30, "G"), (1 << 20, "M"), (1 << 10, "k")):
            if abs(value) >= scale:
                return f"{value / scale:.3g}{suffix}"
        return f"{value:.0f}"
    return f"{value:.4g}{' ' + unit if unit else ''}"


def _ratio(c: Comparison) -> str:
    r = c.ratio
    if r is None:
        return "n/a"
    return f"{r:.4f}" if c.kind is Kind.INSTRUCTIONS else f"{r:.2f}"


def _sig(c: Comparison) -> str:
    if c.p is not None:
        return f"{c.evidence} (p={c.p:.2g})"
    return str(c.evidence)


def render_markdown(report: Report) -> str:
    short_b, short_h = report.base[:8], report.head[:8]
    lines = [
        f"## {_ICON[report.code]} Benchmark gate: {_VERDICT[report.code]}"
        f" (exit {int(report.code)})",
        "",
        f"`{short_b}` (base) → `{short_h}` (head) on machine `{report.machine}`",
    ]
    if report.settings:
        lines.append(
            "Settings: " + ", ".join(f"{k}={v}" for k, v in sorted(report.settings.items()))
        )
    if report.error:
        lines += ["", "```", report.error.strip(), "```"]
    for status, title in _SECTIONS:
        rows = [c for c in report.comparisons if c.status is status and _shown(c)]
        if not rows:
            continue
        lines += [
            "",
            f"### {title} ({len(rows)})",
            "",
            "| Benchmark | Area | Before | After | Ratio | Threshold | Decided by | Significance "
            "| Note |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for c in sorted(
            rows, key=lambda c: -(c.ratio or 0) if status is not Status.IMPROVED else (c.ratio or 0)
        ):
            lines.append(
                f"| `{c.name}` | {_AREA[c.kind]} | {human(c.before, c.unit)} | "
                f"{human(c.after, c.unit)} | {_ratio(c)} | {c.factor:.2f} | "
                f"{c.decided_by or 'n/a'} | {_sig(c)} | {c.note} |"
            )
    counts: dict[str, int] = {}
    for c in report.comparisons:
        counts[str(c.status)] = counts.get(str(c.status), 0) + 1
    if counts:
        lines += [
            "",
            "Totals: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
        ]
    lines += [
        "",
        "Exit codes: 0 no regression, 1 regression, 2 a benchmark failed, 3 infrastructure."
        " How to read this: docs/regressions.md.",
        "",
    ]
    return "\n".join(lines)
