"""The eleven AML typologies: ``patterns.inject(typology, ctx, count, seed)`` over a fixed bank."""

from __future__ import annotations

from typing import Any

from . import common, instructions

TYPOLOGIES = (
    "structuring",
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "bipartite",
    "stack",
    "mule_chain",
    "fraud_ring",
    "ownership_chain",
)
COUNT = 50  # pattern instances per call: enough elements to time, small enough for the budget


def _injected_elements(result: Any) -> int:
    """Transactions + ownership links + communications one call injected."""
    return sum(
        len(getattr(result, name, ()))
        for name in ("transactions", "ownership_links", "communications")
    )


@common.data_or_reason
class Inject:
    """One typology, ``COUNT`` instances, into the ids of a 2,000-customer bank (seed fixed)."""

    params = TYPOLOGIES
    param_names = ("typology",)
    number = 1
    repeat = (1, 5, 2.0)
    warmup_time = 0.0
    timeout = 120

    def setup_cache(self) -> dict[str, Any]:
        common.need("banking.data_generators.patterns", "inject", "PatternContext")
        return common.id_bank()

    def setup(self, cache: dict[str, Any], typology: str) -> None:
        inject, context = common.need(
            "banking.data_generators.patterns", "inject", "PatternContext"
        )
        self.ctx = context(**cache)
        self.call = lambda: inject(typology, self.ctx, COUNT, common.SEED)
        self.call()  # warm up (first-call imports and vocabularies)

    def time_inject(self, cache: Any, typology: str) -> None:
        self.call()

    def peakmem_inject(self, cache: Any, typology: str) -> None:
        self.call()

    def track_elements_per_s(self, cache: Any, typology: str) -> float:
        elements = _injected_elements(self.call())
        return common.rate(self.call, elements)

    track_elements_per_s.unit = "elements/s"

    def track_elements(self, cache: Any, typology: str) -> int:
        return _injected_elements(self.call())

    track_elements.unit = "elements"

    def track_alloc_peak_bytes(self, cache: Any, typology: str) -> int:
        return common.alloc_peak(self.call)

    track_alloc_peak_bytes.unit = "bytes"


@common.keep_history
class InjectInstructions(instructions.Twin):
    """Instructions of one ``inject`` call per typology under callgrind."""

    target = Inject
    ops = ("inject",)

    def setup_cache(self) -> dict | str:
        return self.measure()
