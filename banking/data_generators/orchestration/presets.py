"""AMLworld-shaped presets: banks sized and labelled like the IBM AMLworld datasets.

The six rows are Table 4 of Altman et al., "Realistic Synthetic Financial Transactions for
Anti-Money Laundering Models" (NeurIPS 2023 Datasets and Benchmarks; the same figures are on
the dataset's Kaggle page): bank accounts, transactions, days spanned, and the laundering rate
as one laundering transaction per N.

The payment-format mix (``FORMAT_MIX``) could not be found in the paper's text with the tools
at hand: the shares are the "Payment Format" counts of HI-Small_Trans.csv (5,078,345 rows) as
published exploratory analyses of the Kaggle file report them, recalled, not re-read; the same
mix is used for every preset. See docs/generation/presets.md.

A preset with ``scale`` keeps its rate, span and mix and multiplies accounts and transactions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from banking.data_generators.orchestration.scale import check_scale
from banking.errors import UsageError

# AMLworld payment format -> this project's transaction channel, with the HI-Small counts.
FORMAT_COUNTS: tuple[tuple[str, str, int], ...] = (
    ("Cheque", "check", 1_864_331),
    ("Credit Card", "card", 1_323_324),
    ("ACH", "ach", 600_797),
    ("Cash", "cash", 490_891),
    ("Reinvestment", "reinvestment", 481_056),
    ("Wire", "wire", 171_855),
    ("Bitcoin", "bitcoin", 146_091),
)
_TOTAL = sum(n for _, _, n in FORMAT_COUNTS)
FORMAT_MIX: dict[str, float] = {channel: n / _TOTAL for _, channel, n in FORMAT_COUNTS}

# Background owners and communications per account, as in the default bank (scale.py).
PERSONS_PER_ACCOUNT = 0.6
COMPANIES_PER_ACCOUNT = 0.08
COMMUNICATIONS_PER_ACCOUNT = 1.2
# Smallest scaled preset: enough accounts for every typology to find its members.
MIN_ACCOUNTS = 200
MIN_TRANSACTIONS = 1_000


@dataclass(frozen=True)
class Preset:
    """One dataset shape: sizes, span and laundering rate (1 laundering transaction per N)."""

    name: str
    accounts: int
    transactions: int
    span_days: int
    rate: int
    scale: float = 1.0

    @property
    def laundering(self) -> int:
        """Laundering transactions the preset aims at."""
        return max(1, round(self.transactions / self.rate))

    @property
    def persons(self) -> int:
        return max(1, round(self.accounts * PERSONS_PER_ACCOUNT))

    def row(self) -> dict[str, object]:
        """The target row ``banking describe`` prints beside a dataset."""
        return {
            "accounts": self.accounts,
            "transactions": self.transactions,
            "span_days": self.span_days,
            "rate": self.rate,
            "format_mix": dict(FORMAT_MIX),
        }


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("amlworld-hi-small", 515_000, 5_000_000, 10, 981),
        Preset("amlworld-hi-medium", 2_077_000, 32_000_000, 16, 905),
        Preset("amlworld-hi-large", 2_116_000, 180_000_000, 97, 807),
        Preset("amlworld-li-small", 705_000, 7_000_000, 10, 1_942),
        Preset("amlworld-li-medium", 2_028_000, 31_000_000, 16, 1_948),
        Preset("amlworld-li-large", 2_064_000, 176_000_000, 97, 1_750),
    )
}


def get_preset(name: str, scale: float = 1.0) -> Preset:
    """The preset ``name`` shrunk (or grown) by ``scale``; UsageError for an unknown name."""
    preset = PRESETS.get(name)
    if preset is None:
        raise UsageError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    scale = check_scale(scale)
    if scale == 1.0:
        return preset
    return replace(
        preset,
        accounts=max(MIN_ACCOUNTS, round(preset.accounts * scale)),
        transactions=max(MIN_TRANSACTIONS, round(preset.transactions * scale)),
        scale=scale,
    )


# -- chunks ----------------------------------------------------------------------------------
# Transactions per chunk: the number of chunks depends on the dataset only (never on the
# number of workers); 500,000 gives HI-Small ten chunks (balanced on two workers) and
# HI-Large 360, each small enough for a worker to hold its accounts and one batch.
CHUNK_TRANSACTIONS = 500_000


def chunk_count(preset: Preset) -> int:
    return max(1, math.ceil(preset.transactions / CHUNK_TRANSACTIONS))


def share(total: int, chunks: int, chunk: int) -> int:
    """Chunk ``chunk``'s part of ``total`` split as evenly as whole numbers allow."""
    return total // chunks + (1 if chunk < total % chunks else 0)


@dataclass(frozen=True)
class ChunkCounts:
    """What chunk ``index`` of a preset generates (background rows, before typologies)."""

    index: int
    chunks: int
    persons: int
    companies: int
    accounts: int
    transactions: int
    communications: int
    laundering: int


def chunk_counts(preset: Preset, chunk: int) -> ChunkCounts:
    n = chunk_count(preset)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or not 0 <= chunk < n:
        raise UsageError(f"{preset.name} has chunks 0..{n - 1}, not {chunk!r}")
    accounts = share(preset.accounts, n, chunk)
    return ChunkCounts(
        index=chunk,
        chunks=n,
        persons=max(1, round(accounts * PERSONS_PER_ACCOUNT)),
        companies=max(1, round(accounts * COMPANIES_PER_ACCOUNT)),
        accounts=accounts,
        transactions=share(preset.transactions, n, chunk),
        communications=round(accounts * COMMUNICATIONS_PER_ACCOUNT),
        laundering=share(preset.laundering, n, chunk),
    )
