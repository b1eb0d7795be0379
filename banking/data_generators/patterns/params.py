"""Parameter resolution and validation shared by the typologies.

Overrides must name a known parameter and have the default's type (an int where an int is
expected, any real number where a float is); every problem is a one-line ``UsageError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, get_args

import numpy as np

from banking.data_generators.patterns.context import PatternContext
from banking.errors import UsageError
from banking.models import ISO_CURRENCIES, Channel

CHANNELS: tuple[str, ...] = get_args(Channel)
CURRENCIES: tuple[str, ...] = tuple(sorted(ISO_CURRENCIES))
# The choices of every typology whose transfers all go by one channel in one currency.
TRANSFER_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"channel": CHANNELS, "currency": CURRENCIES}
)


def transfers(
    amount_min: float,
    amount_max: float,
    *,
    channel: str,
    fees: tuple[float, float] | None = None,
    currency: str = "USD",
) -> dict[str, Any]:
    """A typology's transfer parameters, in the order every typology lists them (last, so the
    ground truth's ``parameters`` keep their order): the amount range, the fee range where each
    hop keeps a cut, then channel and currency. ``check_transfers`` validates them."""
    params: dict[str, Any] = {"amount_min": amount_min, "amount_max": amount_max}
    if fees is not None:
        params["min_fee"], params["max_fee"] = fees
    params["channel"] = channel
    params["currency"] = currency
    return params


def _coerce(name: str, default: Any, value: Any, typology: str) -> Any:
    def wrong(expected: str) -> UsageError:
        return UsageError(f"{typology}: parameter {name} must be {expected}, got {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool | np.bool_):
            raise wrong("true or false")
        return bool(value)
    if isinstance(default, int):
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
            raise wrong("an integer")
        return int(value)
    if isinstance(default, float):
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            raise wrong("a number")
        if not np.isfinite(value):
            raise wrong("a finite number")
        return float(value)
    if not isinstance(value, str):
        raise wrong("a string")
    return value


def resolve(
    typology: str,
    defaults: Mapping[str, Any],
    choices: Mapping[str, tuple[str, ...]],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Defaults merged with type-checked overrides; unknown names and bad choices rejected."""
    unknown = [name for name in overrides if name not in defaults]
    if unknown:
        raise UsageError(
            f"{typology}: unknown parameter {unknown[0]!r}; known: {', '.join(defaults)}"
        )
    params = dict(defaults)
    for name, value in overrides.items():
        params[name] = _coerce(name, defaults[name], value, typology)
    for name, allowed in choices.items():
        if params[name] not in allowed:
            shown = ", ".join(allowed) if len(allowed) <= 12 else "an ISO 4217 code"
            raise UsageError(f"{typology}: {name} must be one of {shown}, got {params[name]!r}")
    return params


def require(condition: bool, typology: str, message: str) -> None:
    if not condition:
        raise UsageError(f"{typology}: {message}")


def check_range(
    p: Mapping[str, Any], typology: str, low_key: str, high_key: str, minimum: int
) -> None:
    """``minimum <= p[low_key] <= p[high_key]``."""
    require(
        p[low_key] >= minimum, typology, f"{low_key} must be at least {minimum}, got {p[low_key]}"
    )
    require(
        p[high_key] >= p[low_key],
        typology,
        f"{high_key} ({p[high_key]}) must be at least {low_key} ({p[low_key]})",
    )


def check_amounts(p: Mapping[str, Any], typology: str) -> None:
    require(
        p["amount_min"] >= 0.01,
        typology,
        f"amount_min must be at least 0.01, got {p['amount_min']}",
    )
    require(
        p["amount_max"] >= p["amount_min"],
        typology,
        f"amount_max ({p['amount_max']}) must be at least amount_min ({p['amount_min']})",
    )


def check_fees(p: Mapping[str, Any], typology: str) -> None:
    require(
        0.0 <= p["min_fee"] <= p["max_fee"] < 1.0,
        typology,
        f"fees must satisfy 0 <= min_fee <= max_fee < 1, got {p['min_fee']}, {p['max_fee']}",
    )


def check_transfers(p: Mapping[str, Any], typology: str) -> None:
    """The amount range, and the fee range where the typology has one (see ``transfers``)."""
    check_amounts(p, typology)
    if "min_fee" in p:
        check_fees(p, typology)


def check_window(ctx: PatternContext, typology: str, seconds: int, events: int) -> None:
    """The pattern's window must fit the context's and hold ``events`` distinct seconds."""
    require(seconds >= 1, typology, "the pattern's time window must be positive")
    require(events <= seconds, typology, f"{events} events do not fit a {seconds}-second window")
    require(
        seconds <= ctx.window_days * 86_400,
        typology,
        f"the pattern's time window ({seconds / 86_400:g} days) exceeds the context's "
        f"window_days ({ctx.window_days})",
    )


def need(ctx: PatternContext, typology: str, *, accounts: int = 0, persons: int = 0) -> None:
    """The context must hold enough distinct accounts and persons for one instance."""
    if len(ctx.account_ids) < accounts:
        raise UsageError(
            f"{typology}: context has {len(ctx.account_ids)} accounts, "
            f"the pattern needs at least {accounts}"
        )
    if len(ctx.person_ids) < persons:
        raise UsageError(
            f"{typology}: context has {len(ctx.person_ids)} persons, "
            f"the pattern needs at least {persons}"
        )
