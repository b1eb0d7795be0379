"""Rows, areas and targets of docs/performance/REPORT.md's summary (tools/perf_report.py).

A row is one benchmark and parameter combination measured at both commits; an area is the
group of rows whose geometric mean ratio is judged against a target of issue 7. Pure
functions, no reading or writing: tools/perf_report.py reads the results and renders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    benchmark: str
    params: str
    kind: str
    unit: str
    before: float
    after: float

    @property
    def ratio(self) -> float:
        if self.before == 0:
            return 1.0 if self.after == 0 else math.inf
        return self.after / self.before


# --- areas and targets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A summary line: which rows, and the target on their geometric mean ratio."""

    title: str
    modules: tuple[str, ...]  # top-level benchmark modules; () = any
    kind: str  # "time" | "peakmemory" | "throughput"
    target: float | None  # ratio after/before to reach; None: reported only
    higher_is_better: bool = False
    goal: str = ""


# Gross process peaks: each holds the forkserver's ~53 MB of interpreter and preloaded
# libraries, the same at both commits, so their ratio says more about the harness than about
# the code; the target is judged on the operation's part (NET_MEMORY below).
MEMORY = Area(
    "memory, process peak",
    (),
    "peakmemory",
    None,
    goal="reported: the whole process, floor included",
)
AREAS = (
    Area(
        "generation",
        ("generators", "patterns", "scenario", "cli"),
        "time",
        0.85,
        goal=">= 15% faster (time ratio <= 0.85)",
    ),
    Area(
        "graph queries",
        ("graph_queries",),
        "time",
        0.90,
        goal=">= 10% faster (time ratio <= 0.90)",
    ),
    Area("graph load", ("graph_load",), "time", None, goal="no target (reported)"),
    Area(
        "streaming",
        ("streaming", "serialization"),
        "throughput",
        1.20,
        higher_is_better=True,
        goal=">= 20% higher throughput (ratio >= 1.20)",
    ),
    MEMORY,
)


def is_throughput(kind: str, unit: str) -> bool:
    return kind == "track" and unit.endswith("/s")


# asv's machine-calibration benchmarks (benchmarks/reference.py): not the project's code.
NOT_IN_ANY_AREA = ("reference",)


def in_area(area: Area, name: str, kind: str, unit: str) -> bool:
    module = name.split(".", 1)[0]
    if module in NOT_IN_ANY_AREA or (area.modules and module not in area.modules):
        return False
    if area.kind == "throughput":
        return is_throughput(kind, unit)
    return kind == area.kind


def geometric_mean(ratios: list[float]) -> float:
    return math.exp(sum(math.log(r) for r in ratios) / len(ratios))


# --- formatting ---------------------------------------------------------------------------------


def _sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, without an exponent."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def format_value(value: float, unit: str) -> str:
    """Seconds in s/ms/µs/ns, bytes in kB/MB/GB (powers of 1000, as asv shows them), anything
    else with its unit."""
    if unit == "seconds":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if abs(value) >= scale:
                return f"{_sig(value / scale)} {suffix}"
        return f"{_sig(value / 1e-9)} ns"
    if unit == "bytes":
        for scale, suffix in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(value) >= scale:
                return f"{_sig(value / scale)} {suffix}"
        return f"{value:,.0f} B"
    text = f"{value:,.0f}" if abs(value) >= 1000 or value == int(value) else _sig(value)
    return f"{text} {unit}".rstrip()


def format_ratio(ratio: float) -> str:
    return f"{ratio:.2f}"


def _label(row: Row) -> str:
    """``0.82 `Class.method(params)``` for the summary's best/worst cells."""
    short = row.benchmark.split(".", 1)[-1]
    call = f"{short}({row.params})" if row.params else short
    return f"{format_ratio(row.ratio)} `{call}`"


REFERENCE_MEMORY = "reference.peakmem_reference"
NET_MEMORY = Area(
    "memory, net of the reference",
    (),
    "peakmemory",
    0.90,
    goal=">= 10% lower peak memory of the operation (ratio <= 0.90)",
)
HEAP_MEMORY = Area(
    "memory, Python heap peak",
    (),
    "track",
    None,
    goal="reported: `track_alloc_peak_*` (tracemalloc, deterministic)",
)
NET_MEMORY_FLOOR = 1e6  # bytes; a smaller difference is the reference's own noise


def net_memory_rows(rows: list[Row]) -> list[Row]:
    """The memory area's rows less the process floor of their commit (interpreter, imports:
    ``peakmem_reference``), where the operation's own part is at least 1 MB before and after:
    the ratio of what the operation itself holds."""
    reference = next((r for r in rows if r.benchmark == REFERENCE_MEMORY), None)
    if reference is None:
        return []
    net = []
    for r in rows:
        if not in_area(MEMORY, r.benchmark, r.kind, r.unit):
            continue
        before, after = r.before - reference.before, r.after - reference.after
        if before >= NET_MEMORY_FLOOR and after >= NET_MEMORY_FLOOR:
            net.append(Row(r.benchmark, r.params, r.kind, r.unit, before, after))
    return net


def heap_memory_rows(rows: list[Row]) -> list[Row]:
    """The operations' Python heap peaks (``track_alloc_peak_*``: tracemalloc around the call,
    so no floor and no noise)."""
    return [r for r in rows if r.benchmark.rsplit(".", 1)[-1].startswith("track_alloc_peak")]


def _area_line(area: Area, chosen: list[Row]) -> str:
    chosen = [r for r in chosen if 0 < r.ratio < math.inf]
    if not chosen:
        return f"| {area.title} | 0 | — | — | — | {area.goal} | — |"
    mean = geometric_mean([r.ratio for r in chosen])
    ordered = sorted(chosen, key=lambda r: (r.ratio, r.benchmark, r.params))
    best, worst = (ordered[-1], ordered[0]) if area.higher_is_better else (ordered[0], ordered[-1])
    if area.target is None:
        met = "—"
    elif area.higher_is_better:
        met = "yes" if mean >= area.target else "no"
    else:
        met = "yes" if mean <= area.target else "no"
    return (
        f"| {area.title} | {len(chosen)} | {format_ratio(mean)} | {_label(best)} | "
        f"{_label(worst)} | {area.goal} | {met} |"
    )


def summary_lines(rows: list[Row]) -> list[str]:
    lines = [
        "| area | benchmarks | geometric mean ratio | best | worst | target | met |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for area in AREAS:
        lines.append(
            _area_line(area, [r for r in rows if in_area(area, r.benchmark, r.kind, r.unit)])
        )
    lines.append(_area_line(NET_MEMORY, net_memory_rows(rows)))
    lines.append(_area_line(HEAP_MEMORY, heap_memory_rows(rows)))
    return lines
