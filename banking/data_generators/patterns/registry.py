"""``inject``: validate a request, then build ``count`` instances of one typology."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from banking.data_generators.patterns import (
    bipartite,
    cycle,
    fan_in,
    fan_out,
    fraud_ring,
    gather_scatter,
    mule_chain,
    ownership_chain,
    scatter_gather,
    stack,
    structuring,
)
from banking.data_generators.patterns.builder import Run
from banking.data_generators.patterns.context import InjectedPatterns, PatternContext
from banking.data_generators.patterns.params import resolve
from banking.errors import UsageError
from banking.models import Typology
from banking.seeding import check_seed

MODULES: dict[Typology, ModuleType] = {
    Typology.STRUCTURING: structuring,
    Typology.FAN_IN: fan_in,
    Typology.FAN_OUT: fan_out,
    Typology.CYCLE: cycle,
    Typology.SCATTER_GATHER: scatter_gather,
    Typology.GATHER_SCATTER: gather_scatter,
    Typology.BIPARTITE: bipartite,
    Typology.STACK: stack,
    Typology.MULE_CHAIN: mule_chain,
    Typology.FRAUD_RING: fraud_ring,
    Typology.OWNERSHIP_CHAIN: ownership_chain,
}

# A fresh copy per typology: changing it cannot change what ``inject`` does.
TYPOLOGY_DEFAULTS: dict[Typology, dict[str, Any]] = {
    typology: dict(module.DEFAULTS) for typology, module in MODULES.items()
}


def as_typology(typology: Typology | str) -> Typology:
    try:
        return Typology(typology)
    except ValueError:
        known = ", ".join(t.value for t in Typology)
        raise UsageError(f"unknown typology {typology!r}; known: {known}") from None


def inject(
    typology: Typology | str,
    ctx: PatternContext,
    count: int,
    seed: int,
    *,
    id_seed: int | None = None,
    id_start: int = 0,
    **params: Any,
) -> InjectedPatterns:
    """``count`` instances of ``typology`` over ``ctx``, with complete ground truth.

    Output depends only on the arguments. Ids use the typology's namespace of
    ``banking.ids``, so with the bank's root seed they never collide with core ids or with
    another typology's; call ``inject`` once per typology and seed. A chunked bank calls it
    several times: ``seed`` then varies the random streams, while ids come from ``id_seed``
    (the root seed) from counter ``id_start`` on, a range of its own per call.
    """
    kind = as_typology(typology)
    if not isinstance(ctx, PatternContext):
        raise UsageError(f"inject needs a PatternContext, got {type(ctx).__name__}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise UsageError(f"{kind.value}: count must be a non-negative integer, got {count!r}")
    seed = check_seed(seed)
    module = MODULES[kind]
    resolved = resolve(kind.value, module.DEFAULTS, module.CHOICES, params)
    module.validate(resolved, ctx)
    id_seed = seed if id_seed is None else check_seed(id_seed)
    run = Run(kind, ctx, seed, id_seed=id_seed, id_start=id_start)
    for index in range(count):
        instance = run.instance(index)
        expected = module.build(instance, resolved)
        instance.finish(resolved, expected)
    return run.out
