"""The shape of a dataset, as the AMLworld paper tabulates its datasets (``banking describe``).

Accounts, transactions, days spanned, the laundering rate (one laundering transaction, i.e.
one with a ``pattern_id``, per N), the payment-format mix and the typology instances; beside
the preset's target row when the dataset records the preset it was made from. One pass over
the transactions: Parquet reads three columns per row group, JSONL and CSV go through
``DatasetReader``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from banking.dataset.reader import DatasetReader

READ_BATCH = 100_000


@dataclass
class Shape:
    """What ``describe`` measured."""

    accounts: int
    transactions: int
    laundering: int
    first_day: date | None
    last_day: date | None
    formats: dict[str, int]
    typologies: dict[str, int]
    preset: str | None = None
    target: dict[str, Any] = field(default_factory=dict)

    @property
    def span_days(self) -> int:
        if self.first_day is None or self.last_day is None:
            return 0
        return (self.last_day - self.first_day).days + 1

    @property
    def rate(self) -> float:
        """N of "one laundering transaction per N" (inf without laundering)."""
        return self.transactions / self.laundering if self.laundering else float("inf")

    def format_mix(self) -> dict[str, float]:
        total = sum(self.formats.values()) or 1
        return {name: n / total for name, n in sorted(self.formats.items(), key=lambda x: -x[1])}

    def render(self) -> str:
        """The table: measured value, the preset's target and the difference."""
        t = self.target
        lines = [f"{'':<28}{'dataset':>14}{'target':>14}{'diff':>9}"]

        def row(name: str, value: float, goal: float | None, fmt: str = ",.0f") -> None:
            if goal is None:
                lines.append(f"{name:<28}{value:>14{fmt}}")
                return
            diff = (value - goal) / goal * 100 if goal else 0.0
            lines.append(f"{name:<28}{value:>14{fmt}}{goal:>14{fmt}}{diff:>+8.1f}%")

        row("bank accounts", self.accounts, t.get("accounts"))
        row("transactions", self.transactions, t.get("transactions"))
        row("days spanned", self.span_days, t.get("span_days"))
        row("laundering (1 per N)", self.rate, t.get("rate"))
        row("laundering transactions", self.laundering, None)
        goal_mix = t.get("format_mix", {})
        for name, share in self.format_mix().items():
            goal = goal_mix.get(name)
            row(f"  format {name} %", share * 100, None if goal is None else goal * 100, ".2f")
        for name, n in sorted(self.typologies.items()):
            row(f"  typology {name}", n, None)
        if self.preset:
            lines.append(f"target: preset {self.preset}")
        return "\n".join(lines)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _scan_parquet(reader: DatasetReader) -> tuple[int, date | None, date | None, Counter]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    laundering, first, last, formats = 0, None, None, Counter()
    for path, rows in reader.parts("transactions"):
        if not rows:
            continue
        pf = pq.ParquetFile(path)
        try:
            for batch in pf.iter_batches(
                READ_BATCH, columns=["timestamp", "channel", "pattern_id"]
            ):
                laundering += batch.num_rows - batch.column("pattern_id").null_count
                low, high = pc.min_max(batch.column("timestamp")).values()
                lo, hi = _day(low.as_py()), _day(high.as_py())
                first = lo if first is None or lo < first else first
                last = hi if last is None or hi > last else last
                for item in pc.value_counts(batch.column("channel")).to_pylist():
                    formats[item["values"]] += item["counts"]
        finally:
            pf.close()
    return laundering, first, last, formats


def _scan_records(reader: DatasetReader) -> tuple[int, date | None, date | None, Counter]:
    laundering, first, last, formats = 0, None, None, Counter()
    for batch in reader.iter_batches("transactions", READ_BATCH):
        laundering += sum(1 for r in batch if r["pattern_id"] is not None)
        formats.update(r["channel"] for r in batch)
        stamps = [r["timestamp"] for r in batch]
        lo, hi = _day(min(stamps)), _day(max(stamps))
        first = lo if first is None or lo < first else first
        last = hi if last is None or hi > last else last
    return laundering, first, last, formats


def describe(path: str | Path) -> Shape:
    """Measure the dataset at ``path`` (any format, single files or parts)."""
    reader = DatasetReader(path)
    scan = _scan_parquet if reader.format == "parquet" else _scan_records
    laundering, first, last, formats = scan(reader)
    typologies = Counter(
        r["typology"] for batch in reader.iter_batches("patterns", READ_BATCH) for r in batch
    )
    preset = reader.manifest.get("preset")
    target: dict[str, Any] = {}
    if isinstance(preset, str):
        from banking.data_generators.orchestration.presets import get_preset

        target = get_preset(preset, float(reader.manifest.get("scale", 1.0))).row()
    return Shape(
        accounts=reader.count("accounts"),
        transactions=reader.count("transactions"),
        laundering=laundering,
        first_day=first,
        last_day=last,
        formats=dict(formats),
        typologies=dict(typologies),
        preset=preset if isinstance(preset, str) else None,
        target=target,
    )
