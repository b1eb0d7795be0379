"""Stack: layered bipartite transfers, layer 0 -> layer 1 -> ... -> layer n.

Consecutive layers are completely connected, and each layer-to-layer step has its own slice of
the window, so funds flow forward through the stack in time.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext
from banking.data_generators.patterns.params import (
    CHANNELS,
    CURRENCIES,
    check_amounts,
    check_range,
    check_window,
    need,
)

NAME = "stack"
DEFAULTS = MappingProxyType(
    {
        "min_layers": 3,
        "max_layers": 4,
        "min_width": 2,
        "max_width": 4,
        "window_days": 14,
        "amount_min": 500.0,
        "amount_max": 9_000.0,
        "channel": "wire",
        "currency": "USD",
    }
)
CHOICES = {"channel": CHANNELS, "currency": CURRENCIES}


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    check_range(p, NAME, "min_layers", "max_layers", 3)
    check_range(p, NAME, "min_width", "max_width", 1)
    check_amounts(p, NAME)
    steps = p["max_layers"] - 1
    check_window(ctx, NAME, p["window_days"] * DAY, steps * p["max_width"] ** 2)
    need(ctx, NAME, accounts=p["max_layers"] * p["max_width"])


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    rng = inst.rng
    n_layers = int(rng.integers(p["min_layers"], p["max_layers"] + 1))
    widths = rng.integers(p["min_width"], p["max_width"] + 1, size=n_layers).tolist()
    chosen = inst.existing_accounts(sum(widths))
    layers, at = [], 0
    for width in widths:
        layers.append(chosen[at : at + width])
        at += width
    start, end = inst.window(p["window_days"] * DAY)
    step = timedelta(seconds=int((end - start).total_seconds()) // (n_layers - 1))
    kw = {"channel": p["channel"], "currency": p["currency"]}
    for i in range(n_layers - 1):
        pairs = [(s, r) for s in layers[i] for r in layers[i + 1]]
        slice_start = start + step * i
        times = inst.times(len(pairs), slice_start, slice_start + step)
        amounts = inst.amounts(len(pairs), p["amount_min"], p["amount_max"])
        for (sender, receiver), amount, moment in zip(pairs, amounts, times, strict=True):
            inst.transfer(sender, receiver, amount, moment, **kw)
    return {"layers": layers, "window": [iso(start), iso(start + step * (n_layers - 1))]}
