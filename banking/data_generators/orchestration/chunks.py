"""The chunk function of the presets: ``chunk_records(seed, chunk, preset)``, pure.

A preset's bank is ``chunk_count(preset)`` independent chunks. Chunk ``c`` depends only on
``(seed, c, preset)``:

* its random streams come from ``chunk_seed(seed, c)`` (``banking.seeding`` streams, no global
  RNG), so chunks can run in any order, in any process, on any machine;
* its ids are the root seed's ``banking.ids`` sequences from counter ``c << CHUNK_ID_BITS``
  on, so ids never collide across chunks (one bijection, disjoint counters), and any chunk can
  name another chunk's account ``j`` without generating it (``IdSequence.at``);
* ``CROSS_CHUNK_SHARE`` of its background transactions pay an account of another chunk, drawn
  from the chunk's own stream: cross-chunk traffic is decided inside the chunk;
* typologies are injected among the chunk's own accounts (``laundering.inject_to_target``),
  sized so the chunk holds its share of the preset's laundering transactions.

The transactions' id and channel columns (``txn_id``, ``from_account``, ``to_account``,
``channel``) come as ASCII arrays (numpy ``S``), not Python ``str`` objects: no object per row
is made, mixed or converted (``writers.ascii_column`` makes Arrow strings of their buffers).

To run a bank on Dask, Ray or Spark, map ``write_chunk`` (or ``chunk_records``) over
``range(chunk_count(preset))`` with the same ``seed`` and preset, then write the manifest with
``parallel.finish_manifest``: the bytes equal those of ``banking generate --preset``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.data_generators.orchestration.bank import _Interleaver
from banking.data_generators.orchestration.laundering import CHUNK_ID_BITS, inject_to_target
from banking.data_generators.orchestration.ownership import OwnershipGenerator
from banking.data_generators.orchestration.presets import (
    FORMAT_MIX,
    Preset,
    chunk_counts,
    share,
)
from banking.dataset.schema import ENTITIES, columns_from_records, records_from_models
from banking.ids import IdSequence, _mix
from banking.seeding import check_seed, stream_rng

CROSS_CHUNK_SHARE = 0.25
BATCH_SIZE = 100_000

Columns = dict[str, np.ndarray]


def chunk_seed(seed: int, chunk: int) -> int:
    """The seed of chunk ``chunk``'s random streams: a ``banking.seeding`` stream of the root."""
    return int(stream_rng(check_seed(seed), f"chunk:{chunk}").integers(0, 2**63))


def _ids(seed: int, kind: str, chunk: int) -> IdSequence:
    return IdSequence(seed, kind, "core", start=chunk << CHUNK_ID_BITS)


def _renumbered(generator: Any, seed: int, kind: str, chunk: int) -> Any:
    """``generator`` drawing its ids from the chunk's range of the root seed's sequence."""
    generator._ids = _ids(seed, kind, chunk)
    return generator


class _AsciiIds(IdSequence):
    """The root seed's ids as fixed-width ASCII: ``S`` arrays instead of ``str`` objects."""

    def ascii_at(self, positions: np.ndarray) -> np.ndarray:
        """The ids at counter ``positions``, without advancing (``IdSequence.at`` as ASCII)."""
        counters = np.asarray(positions, dtype=np.uint64) + np.uint64(self._base)
        return self._ascii(self._hex(_mix(counters, self._key)))

    def _ascii(self, hex_digits: np.ndarray) -> np.ndarray:
        width = len(self._prefix)
        lines = np.empty((len(hex_digits), width + 16), dtype=np.uint8)
        lines[:, :width] = np.frombuffer(self._prefix, np.uint8)
        lines[:, width:] = hex_digits
        return lines.view(f"S{width + 16}").ravel()

    def take_objects(self, n: int) -> np.ndarray:
        """What the generators call for an id column: here the next ``n`` ids as ASCII."""
        return self._ascii(self._hex(self._mixed(n)))


def _ascii_ids(seed: int, kind: str, chunk: int = 0) -> _AsciiIds:
    return _AsciiIds(seed, kind, "core", start=chunk << CHUNK_ID_BITS)


class _AsciiInterleaver(_Interleaver):
    """``_Interleaver`` that places a batch's typology rows at random rows of it, instead of
    shuffling the whole batch (background rows are independent draws: their order carries
    nothing), and keeps ASCII columns ASCII (a typology's ids are ``str``). A gather of every
    column through a permutation cost ~0.14 CPU-s per 500,000 transactions."""

    def mix(self, entity: str, columns: Columns, extra: list[dict[str, Any]]) -> Columns:
        if not extra:
            return columns
        more = columns_from_records(entity, extra)
        n, k = len(next(iter(columns.values()))), len(extra)
        slots = self._rng.choice(n + k, k, replace=False)  # distinct, in random order
        background = np.ones(n + k, dtype=bool)
        background[slots] = False
        out: Columns = {}
        for name, col in columns.items():
            merged = np.empty(n + k, dtype=col.dtype)
            merged[background] = col
            merged[slots] = more[name].astype(col.dtype)
            out[name] = merged
        return out


def _format_table() -> tuple[np.ndarray, np.ndarray]:
    values = np.array(list(FORMAT_MIX), dtype=bytes)  # ASCII codes: an S column
    cdf = np.cumsum(list(FORMAT_MIX.values()))
    return values, cdf / cdf[-1]


class _Chunk:
    def __init__(self, seed: int, chunk: int, preset: Preset, reference_date: date) -> None:
        self.seed = check_seed(seed)
        self.counts = chunk_counts(preset, chunk)
        self.preset = preset
        self.chunk = chunk
        self.rseed = chunk_seed(self.seed, chunk)
        self.ref = reference_date
        c = self.counts
        self.person_ids = _ids(self.seed, "person", chunk).take_objects(c.persons)
        self.company_ids = _ids(self.seed, "company", chunk).take_objects(c.companies)
        owners = np.concatenate([self.person_ids, self.company_ids])
        accounts = _renumbered(
            AccountGenerator(self.rseed, owner_ids=owners, reference_date=reference_date),
            self.seed,
            "account",
            chunk,
        )
        self.accounts = accounts.generate_columns(c.accounts)
        patterns = importlib.import_module("banking.data_generators.patterns")
        ctx = patterns.PatternContext(
            person_ids=self.person_ids,
            company_ids=self.company_ids,
            account_ids=self.accounts["account_id"],
            account_owner_ids=self.accounts["owner_id"],
            reference_date=reference_date,
            window_days=preset.span_days,
        )
        self.injected = inject_to_target(
            ctx, c.laundering, self.seed, self.rseed, chunk, preset.span_days
        )
        self.background = max(c.transactions - len(self.injected.transactions), 0)

    def extra(self, entity: str) -> list[dict[str, Any]]:
        return records_from_models(getattr(self.injected, entity, ()))

    def mixed(self, entity: str, batches: Iterator[Columns], rows: int) -> Iterator[Columns]:
        """``batches`` with the typologies' records of ``entity`` spread over them."""
        mixer = _AsciiInterleaver(self.rseed, entity, self.extra(entity), -(-rows // BATCH_SIZE))
        for cols in batches:
            yield mixer.mix(entity, cols, mixer.next_extra())
        rest = mixer.rest()
        if rest:
            yield columns_from_records(entity, rest)

    def transactions(self) -> Iterator[Columns]:
        c, p = self.counts, self.preset
        background = self.background
        if not background:
            return
        gen = TransactionGenerator(
            self.rseed,
            account_ids=self.accounts["account_id"],
            reference_date=self.ref,
            window_days=p.span_days,
            account_currencies=self.accounts["currency"],
        )
        # Ids as ASCII: the generator indexes these arrays, whatever their dtype.
        gen._ids = _ascii_ids(self.seed, "transaction", self.chunk)
        gen.account_ids = self.accounts["account_id"].astype(bytes)
        rng = stream_rng(self.rseed, "chunk:transactions")
        values, cdf = _format_table()
        all_accounts = _ascii_ids(self.seed, "account")
        sizes = np.array([share(p.accounts, c.chunks, o) for o in range(c.chunks)])
        for cols in gen.iter_columns(background, BATCH_SIZE):
            n = len(cols["txn_id"])
            pick = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(values) - 1)
            cols["channel"] = values[pick]
            if c.chunks > 1:
                cross = np.flatnonzero(rng.random(n) < CROSS_CHUNK_SHARE)
                other = (self.chunk + 1 + rng.integers(0, c.chunks - 1, cross.size)) % c.chunks
                local = (rng.random(cross.size) * sizes[other]).astype(np.int64)
                positions = (other.astype(np.uint64) << np.uint64(CHUNK_ID_BITS)) + local.astype(
                    np.uint64
                )
                cols["to_account"][cross] = all_accounts.ascii_at(positions)
            yield cols

    def entities(self) -> Iterator[tuple[str, Columns]]:
        c, seed, ref, chunk = self.counts, self.seed, self.ref, self.chunk
        persons = _renumbered(
            PersonGenerator(self.rseed, reference_date=ref), seed, "person", chunk
        )
        companies = _renumbered(
            CompanyGenerator(self.rseed, reference_date=ref), seed, "company", chunk
        )
        exclude = frozenset(link.company_id for link in self.injected.ownership_links)
        ownership = _renumbered(
            OwnershipGenerator(self.rseed, self.company_ids, self.person_ids, exclude=exclude),
            seed,
            "ownership",
            chunk,
        )
        comms = _renumbered(
            CommunicationGenerator(
                self.rseed,
                person_ids=self.person_ids,
                reference_date=ref,
                window_days=self.preset.span_days,
            ),
            seed,
            "communication",
            chunk,
        )
        sources: dict[str, tuple[Iterator[Columns], int]] = {
            "persons": (persons.iter_columns(c.persons, BATCH_SIZE), c.persons),
            "companies": (companies.iter_columns(c.companies, BATCH_SIZE), c.companies),
            "accounts": (iter([self.accounts]), c.accounts),
            "ownership_links": (ownership.iter_columns(BATCH_SIZE), c.companies),
            "transactions": (self.transactions(), self.background),
            "communications": (comms.iter_columns(c.communications, BATCH_SIZE), c.communications),
        }
        for entity in ENTITIES:
            if entity == "patterns":
                records = self.extra("patterns")
                if records:
                    yield entity, columns_from_records(entity, records)
                continue
            batches, rows = sources[entity]
            for cols in self.mixed(entity, batches, rows):
                yield entity, cols


def chunk_records(
    seed: int, chunk: int, preset: Preset, reference_date: date = REFERENCE_DATE
) -> Iterator[tuple[str, Columns]]:
    """Chunk ``chunk`` of ``preset``'s bank as ``(entity, columns)`` batches, entities in
    ``ENTITIES`` order. Pure: the same arguments give the same values in any process, whatever
    ran before; nothing global is read or changed. Memory: the chunk's accounts and typologies
    plus one batch of ``BATCH_SIZE`` rows."""
    return _Chunk(seed, chunk, preset, reference_date).entities()
