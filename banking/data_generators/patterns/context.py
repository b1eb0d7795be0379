"""What a typology is injected into (``PatternContext``) and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np

from banking import models
from banking.data_generators import REFERENCE_DATE
from banking.errors import UsageError


def _as_ids(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise UsageError(f"PatternContext.{name} must be a one-dimensional array of ids")
    return array.astype(str, copy=False)


@dataclass(frozen=True, eq=False)
class PatternContext:
    """The existing bank a typology draws its accounts and entities from.

    ``account_owner_ids`` is parallel to ``account_ids``. Injected activity falls in
    ``[reference_date - window_days, reference_date)`` (naive UTC datetimes, whole seconds).
    """

    person_ids: np.ndarray
    company_ids: np.ndarray
    account_ids: np.ndarray
    account_owner_ids: np.ndarray
    reference_date: date = REFERENCE_DATE
    window_days: int = 365

    def __post_init__(self) -> None:
        for name in ("person_ids", "company_ids", "account_ids", "account_owner_ids"):
            object.__setattr__(self, name, _as_ids(getattr(self, name), name))
        if len(self.account_owner_ids) != len(self.account_ids):
            raise UsageError(
                f"PatternContext: {len(self.account_ids)} account ids but "
                f"{len(self.account_owner_ids)} owner ids (they must be parallel)"
            )
        if not isinstance(self.reference_date, date):
            raise UsageError(
                f"PatternContext.reference_date must be a date, got {self.reference_date!r}"
            )
        days = self.window_days
        if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
            raise UsageError(f"PatternContext.window_days must be a positive integer, got {days!r}")


@dataclass
class InjectedPatterns:
    """Ground truth plus every element the typologies created, as validated models."""

    patterns: list[models.Pattern] = field(default_factory=list)
    persons: list[models.Person] = field(default_factory=list)
    companies: list[models.Company] = field(default_factory=list)
    accounts: list[models.Account] = field(default_factory=list)
    transactions: list[models.Transaction] = field(default_factory=list)
    ownership_links: list[models.OwnershipLink] = field(default_factory=list)
    communications: list[models.Communication] = field(default_factory=list)

    def extend(self, other: InjectedPatterns) -> None:
        """Append everything ``other`` holds (in order)."""
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    def counts(self) -> dict[str, int]:
        """Number of records per field, e.g. for a run summary."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}

    def counts_by_typology(self) -> dict[str, int]:
        """Number of patterns per typology value, in first-seen order."""
        out: dict[str, int] = {}
        for pattern in self.patterns:
            out[pattern.typology.value] = out.get(pattern.typology.value, 0) + 1
        return out

    def check_labels(self, ctx: PatternContext | None = None) -> None:
        """Raise ValueError unless the labels are complete.

        Every transaction, link and communication carries the id of exactly one pattern that
        lists it; every pattern lists only elements that exist (produced here, or in ``ctx``
        for accounts and entities); every new person, company and account belongs to a pattern.
        """
        pattern_ids = [p.pattern_id for p in self.patterns]
        if len(set(pattern_ids)) != len(pattern_ids):
            raise ValueError("duplicate pattern ids")
        for kind, records, key, listed in (
            ("transaction", self.transactions, "txn_id", "transaction_ids"),
            ("ownership link", self.ownership_links, "link_id", "link_ids"),
            ("communication", self.communications, "comm_id", "communication_ids"),
        ):
            owner_of = {getattr(r, key): r.pattern_id for r in records}
            if len(owner_of) != len(records):
                raise ValueError(f"duplicate {kind} ids")
            seen: set[str] = set()
            for pattern in self.patterns:
                for element in getattr(pattern, listed):
                    if owner_of.get(element) != pattern.pattern_id:
                        raise ValueError(
                            f"{pattern.pattern_id} lists {kind} {element} it did not label"
                        )
                    if element in seen:
                        raise ValueError(f"{kind} {element} listed twice")
                    seen.add(element)
            unlisted = set(owner_of) - seen
            if unlisted:
                raise ValueError(f"{len(unlisted)} {kind}(s) belong to no pattern")
        new_accounts = {a.account_id for a in self.accounts}
        new_entities = {p.person_id for p in self.persons} | {c.company_id for c in self.companies}
        known_accounts = set(new_accounts)
        known_entities = set(new_entities)
        if ctx is not None:
            known_accounts.update(ctx.account_ids.tolist())
            known_entities.update(ctx.person_ids.tolist())
            known_entities.update(ctx.company_ids.tolist())
        listed_accounts: set[str] = set()
        listed_entities: set[str] = set()
        for pattern in self.patterns:
            listed_accounts.update(pattern.account_ids)
            listed_entities.update(pattern.entity_ids)
        if ctx is not None and listed_accounts - known_accounts:
            raise ValueError(
                f"patterns list unknown accounts {sorted(listed_accounts - known_accounts)[:3]}"
            )
        if ctx is not None and listed_entities - known_entities:
            raise ValueError(
                f"patterns list unknown entities {sorted(listed_entities - known_entities)[:3]}"
            )
        if new_accounts - listed_accounts or new_entities - listed_entities:
            raise ValueError("a new account or entity belongs to no pattern")
