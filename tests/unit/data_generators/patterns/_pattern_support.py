"""Helpers for the typology tests: look-ups over an ``InjectedPatterns``."""

from __future__ import annotations

from datetime import datetime

from banking.data_generators.patterns import InjectedPatterns, PatternContext
from banking.models import Pattern, Transaction


def txns_of(out: InjectedPatterns, pattern: Pattern) -> list[Transaction]:
    by_id = {t.txn_id: t for t in out.transactions}
    return [by_id[i] for i in pattern.transaction_ids]


def window_of(pattern: Pattern) -> tuple[datetime, datetime]:
    start, end = pattern.expected["window"]
    return datetime.fromisoformat(start), datetime.fromisoformat(end)


def in_window(moment: datetime, pattern: Pattern) -> bool:
    start, end = window_of(pattern)
    return start <= moment < end


def existing(ctx: PatternContext) -> set[str]:
    return set(ctx.account_ids.tolist())
