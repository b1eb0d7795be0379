"""Stack: layered bipartite transfers, layer 0 -> layer 1 -> ... -> layer n.

Consecutive layers are completely connected, and each layer-to-layer step has its own slice of
the window, so funds flow forward through the stack in time.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import params
from banking.data_generators.patterns.builder import DAY, Instance, iso
from banking.data_generators.patterns.context import PatternContext

NAME = "stack"
DEFAULTS = MappingProxyType(
    {
        "min_layers": 3,
        "max_layers": 4,
        "min_width": 2,
        "max_width": 4,
        "window_days": 14,
        **params.transfers(500.0, 9_000.0, channel="wire"),
    }
)
CHOICES = params.TRANSFER_CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    params.check_range(p, NAME, "min_layers", "max_layers", 3)
    params.check_range(p, NAME, "min_width", "max_width", 1)
    params.check_transfers(p, NAME)
    steps = p["max_layers"] - 1
    params.check_window(ctx, NAME, p["window_days"] * DAY, steps * p["max_width"] ** 2)
    params.need(ctx, NAME, accounts=p["max_layers"] * p["max_width"])


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
