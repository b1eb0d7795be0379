"""The transfer parameters typologies share: one order, one set of choices, one check."""

from __future__ import annotations

import pytest

from banking.data_generators.patterns import TYPOLOGY_DEFAULTS, inject, params
from banking.errors import UsageError

MONEY = ["amount_min", "amount_max", "min_fee", "max_fee", "channel", "currency"]


def test_transfer_parameters_keep_their_order() -> None:
    plain = params.transfers(1.0, 2.0, channel="wire")
    assert list(plain) == ["amount_min", "amount_max", "channel", "currency"]
    with_fees = params.transfers(1.0, 2.0, fees=(0.0, 0.1), channel="cash", currency="EUR")
    assert list(with_fees.items()) == list(
        zip(MONEY, [1.0, 2.0, 0.0, 0.1, "cash", "EUR"], strict=True)
    )


@pytest.mark.parametrize("typology", ["cycle", "mule_chain", "scatter_gather", "gather_scatter"])
def test_transfer_parameters_come_last_where_hops_keep_a_cut(typology: str) -> None:
    assert list(TYPOLOGY_DEFAULTS[typology])[-len(MONEY) :] == MONEY


def test_fees_are_checked_only_where_a_typology_has_them(ctx) -> None:
    with pytest.raises(UsageError, match="cycle: fees must satisfy"):
        inject("cycle", ctx, 1, 1, min_fee=0.2, max_fee=0.1)
    with pytest.raises(UsageError, match="bipartite: unknown parameter 'min_fee'"):
        inject("bipartite", ctx, 1, 1, min_fee=0.1)
    with pytest.raises(UsageError, match="stack: amount_max"):
        inject("stack", ctx, 1, 1, amount_min=10.0, amount_max=5.0)


def test_transfer_choices_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        params.TRANSFER_CHOICES["channel"] = ("wire",)  # type: ignore[index]
