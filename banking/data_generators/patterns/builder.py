"""The machinery every typology shares: ids, random streams, time windows, amounts, and
valid records (edges through ``records``) that are labelled with their pattern as they are made.

A ``Run`` is one ``inject`` call; it owns the id sequences (namespace = the typology), so ids
continue across the pattern instances of the run. An ``Instance`` builds one pattern from its own
random stream ``pattern:<typology>:<index>``, so instance ``i`` does not depend on ``count``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from banking.data_generators.patterns import records, vocab
from banking.data_generators.patterns.context import InjectedPatterns, PatternContext
from banking.ids import IdSequence
from banking.models import Account, Company, OwnershipLink, Pattern, Person, Typology
from banking.seeding import stream_rng

DAY = 86_400


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def cents(amount: float) -> int:
    return round(amount * 100)


class _IdPool:
    """``IdSequence.next`` served from blocks: the same ids in the same order, far fewer
    numpy calls (a typology takes ids one at a time)."""

    def __init__(self, sequence: IdSequence, block: int = 256) -> None:
        self._sequence = sequence
        self._block = block
        self._buffer: list[str] = []
        self._at = 0

    def next(self) -> str:
        if self._at == len(self._buffer):
            self._buffer = self._sequence.take_objects(self._block).tolist()
            self._at = 0
        self._at += 1
        return self._buffer[self._at - 1]


class Run:
    """State of one ``inject`` call."""

    def __init__(
        self,
        typology: Typology,
        ctx: PatternContext,
        seed: int,
        *,
        id_seed: int | None = None,
        id_start: int = 0,
    ) -> None:
        self.typology = typology
        self.ctx = ctx
        self.seed = seed
        self.id_seed = seed if id_seed is None else id_seed
        self.id_start = id_start
        self._ids: dict[str, _IdPool] = {}
        self.out = InjectedPatterns()
        self.window_start = datetime.combine(
            ctx.reference_date - timedelta(days=ctx.window_days), time()
        )
        self.window_seconds = ctx.window_days * DAY

    def instance(self, index: int) -> Instance:
        return Instance(self, index)

    def next_id(self, kind: str) -> str:
        """The next id of ``kind`` (``"pattern"``, ``"transaction"``, ...) in this run's
        namespace. A kind's sequence is made when first used: most typologies use two or three
        of the seven kinds, and each costs a key stream and a first block of ids."""
        pool = self._ids.get(kind)
        if pool is None:
            sequence = IdSequence(
                self.id_seed, kind, namespace=self.typology.value, start=self.id_start
            )
            pool = self._ids[kind] = _IdPool(sequence)
        return pool.next()


class Instance:
    """One pattern under construction; ``finish`` turns it into its ``Pattern`` record."""

    def __init__(self, run: Run, index: int) -> None:
        self.run = run
        self.ctx = run.ctx
        self.rng = stream_rng(run.seed, f"pattern:{run.typology.value}:{index}")
        self.pattern_id = run.next_id("pattern")
        self._accounts: dict[str, None] = {}
        self._entities: dict[str, None] = {}
        self._transactions: list[str] = []
        self._links: list[str] = []
        self._communications: list[str] = []

    # -- choosing existing elements -------------------------------------------------------
    def existing_accounts(self, k: int) -> list[str]:
        """``k`` distinct accounts of the context."""
        chosen = self.rng.choice(len(self.ctx.account_ids), size=k, replace=False)
        return self.ctx.account_ids[chosen].tolist()

    def existing_persons(self, k: int) -> list[str]:
        chosen = self.rng.choice(len(self.ctx.person_ids), size=k, replace=False)
        return self.ctx.person_ids[chosen].tolist()

    def owner_of(self, account_id: str) -> str:
        index = int(np.flatnonzero(self.ctx.account_ids == account_id)[0])
        return str(self.ctx.account_owner_ids[index])

    # -- time and money --------------------------------------------------------------------
    def window(self, seconds: int) -> tuple[datetime, datetime]:
        """A random ``[start, end)`` of ``seconds`` inside the context's activity window."""
        offset = int(self.rng.integers(0, self.run.window_seconds - seconds + 1))
        start = self.run.window_start + timedelta(seconds=offset)
        return start, start + timedelta(seconds=seconds)

    def times(self, n: int, start: datetime, end: datetime) -> list[datetime]:
        """``n`` strictly increasing whole-second moments in ``[start, end)``."""
        span = int((end - start).total_seconds())
        offsets = np.sort(self.rng.choice(span, size=n, replace=False)).tolist()
        return [start + timedelta(seconds=s) for s in offsets]

    def amounts(self, n: int, low: float, high: float) -> list[float]:
        """``n`` log-uniform amounts in ``[low, high]``, in whole cents."""
        values = np.exp(self.rng.uniform(np.log(low), np.log(high), size=n))
        return [max(cents(v), 1) / 100 for v in values.tolist()]

    def after_fee(self, amount: float, min_fee: float, max_fee: float) -> float:
        """``amount`` less a random fee, rounded down to cents, never below one cent."""
        fee = float(self.rng.uniform(min_fee, max_fee))
        return max(int(cents(amount) * (1.0 - fee)), 1) / 100

    def split(self, total: float, n: int) -> list[float]:
        """``total`` split into ``n`` random parts of at least one cent (sum <= total whenever
        ``total`` holds at least ``n`` cents)."""
        weights = self.rng.dirichlet(np.full(n, 4.0))
        total_cents = cents(total)
        return [max(int(total_cents * w), 1) / 100 for w in weights.tolist()]

    # -- records ---------------------------------------------------------------------------
    def touch_accounts(self, *account_ids: str) -> None:
        for account_id in account_ids:
            self._accounts[account_id] = None

    def touch_entities(self, *entity_ids: str) -> None:
        for entity_id in entity_ids:
            self._entities[entity_id] = None

    def transfer(
        self,
        from_account: str,
        to_account: str,
        amount: float,
        timestamp: datetime,
        *,
        channel: str,
        currency: str,
    ) -> str:
        txn = records.transaction(
            txn_id=self.run.next_id("transaction"),
            from_account=from_account,
            to_account=to_account,
            amount=amount,
            currency=currency,
            timestamp=timestamp,
            channel=channel,
            is_cross_border=False,
            pattern_id=self.pattern_id,
        )
        self.run.out.transactions.append(txn)
        self._transactions.append(txn.txn_id)
        self.touch_accounts(from_account, to_account)
        return txn.txn_id

    def hops(
        self, path: list[str], times: list[datetime], amount: float, p: dict[str, Any]
    ) -> tuple[list[str], list[float]]:
        """Transfers along ``path``, hop ``k`` at ``times[k]``, each sending what the previous
        one sent less a fee (``p``'s fee range, channel and currency): the money decays on its
        way. Returns the transaction ids and the amounts sent."""
        txns, amounts = [], []
        channel, currency = p["channel"], p["currency"]
        for hop, moment in enumerate(times):
            txns.append(
                self.transfer(
                    path[hop], path[hop + 1], amount, moment, channel=channel, currency=currency
                )
            )
            amounts.append(amount)
            amount = self.after_fee(amount, p["min_fee"], p["max_fee"])
        return txns, amounts

    def link(
        self, owner_id: str, company_id: str, pct: float, *, is_nominee: bool = False
    ) -> OwnershipLink:
        link = records.link(
            link_id=self.run.next_id("ownership"),
            owner_id=owner_id,
            owner_type="person" if owner_id.startswith("PER-") else "company",
            company_id=company_id,
            pct=pct,
            is_nominee=is_nominee,
            pattern_id=self.pattern_id,
        )
        self.run.out.ownership_links.append(link)
        self._links.append(link.link_id)
        self.touch_entities(owner_id, company_id)
        return link

    def communicate(self, from_person: str, to_person: str, timestamp: datetime) -> str:
        channel = vocab.pick(self.rng, ("phone", "sms", "chat", "email"))
        duration = int(self.rng.integers(20, 1800)) if channel == "phone" else 0
        comm = records.communication(
            comm_id=self.run.next_id("communication"),
            from_person=from_person,
            to_person=to_person,
            channel=channel,
            timestamp=timestamp,
            duration_seconds=duration,
            pattern_id=self.pattern_id,
        )
        self.run.out.communications.append(comm)
        self._communications.append(comm.comm_id)
        self.touch_entities(from_person, to_person)
        return comm.comm_id

    def new_person(
        self,
        *,
        address: str | None = None,
        phone: str | None = None,
        city: str | None = None,
        risk_score: float = 0.0,
    ) -> Person:
        # All the random fields in one draw (a field given by the caller is not drawn).
        first, last, age_days, address, city, domain, phone, tax_id = vocab.draw(
            self.rng,
            vocab.FIRST_NAME,
            vocab.LAST_NAME,
            vocab.PERSON_AGE_DAYS,
            vocab.ADDRESS if address is None else address,
            vocab.CITY if city is None else city,
            vocab.EMAIL_DOMAIN,
            vocab.PHONE if phone is None else phone,
            vocab.PERSON_TAX_ID,
        )
        person_id = self.run.next_id("person")
        person = Person(
            person_id=person_id,
            first_name=first,
            last_name=last,
            date_of_birth=self.ctx.reference_date - timedelta(days=age_days),
            nationality="US",
            address=address,
            city=city,
            country="US",
            email=f"{first}.{last}.{person_id[-6:]}@{domain}".lower(),
            phone=phone,
            tax_id=tax_id,
            risk_score=risk_score,
        )
        self.run.out.persons.append(person)
        self.touch_entities(person_id)
        return person

    def new_company(self, *, is_shell: bool) -> Company:
        fields = vocab.COMPANY.draw(self.rng)
        age_days, name, registration, country, industry, address, phone, tax_id = fields
        company_id = self.run.next_id("company")
        company = Company(
            company_id=company_id,
            name=name,
            registration_number=registration,
            country=country,
            industry=industry,
            incorporation_date=self.ctx.reference_date - timedelta(days=age_days),
            address=address,
            phone=phone,
            tax_id=tax_id,
            is_shell=is_shell,
        )
        self.run.out.companies.append(company)
        self.touch_entities(company_id)
        return company

    def new_account(self, owner_id: str, opened: date, *, currency: str) -> Account:
        country, _ = vocab.IBAN_COUNTRIES[int(self.rng.integers(len(vocab.IBAN_COUNTRIES)))]
        bban, balance_cents = vocab.draw(self.rng, vocab.BBAN[country], vocab.BALANCE_CENTS)
        account = Account(
            account_id=self.run.next_id("account"),
            iban=vocab.iban_of(country, bban),
            owner_id=owner_id,
            owner_type="person" if owner_id.startswith("PER-") else "company",
            account_type="checking" if owner_id.startswith("PER-") else "business",
            currency=currency,
            opened_date=opened,
            balance=float(balance_cents) / 100,
            bank_country=country,
        )
        self.run.out.accounts.append(account)
        self.touch_accounts(account.account_id)
        self.touch_entities(owner_id)
        return account

    def finish(self, parameters: dict[str, Any], expected: dict[str, Any]) -> Pattern:
        pattern = Pattern(
            pattern_id=self.pattern_id,
            typology=self.run.typology,
            account_ids=tuple(self._accounts),
            entity_ids=tuple(self._entities),
            transaction_ids=tuple(self._transactions),
            link_ids=tuple(self._links),
            communication_ids=tuple(self._communications),
            parameters=dict(parameters),
            expected=expected,
        )
        self.run.out.patterns.append(pattern)
        return pattern
