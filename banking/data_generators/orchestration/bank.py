"""``generate_bank``: a whole, consistent bank with AML typologies, streamed to a dataset directory.

Order of work (memory stays bounded by one batch plus the id arrays and the injected patterns):

1. person and company ids are known up front (``IdSequence``); a dry run of the account
   generator yields account ids and owners without keeping the accounts;
2. the typologies are injected against those ids (small, held in memory);
3. every entity file is streamed batch by batch; the typologies' elements are mixed into random
   batches at random positions, so file position says nothing about labels;
4. the patterns (ground truth) and the manifest are written last, and the directory is renamed
   into place.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from banking import __version__
from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import check_batch_size
from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.data_generators.events.timestamps import check_window
from banking.data_generators.orchestration.output import atomic_directory, check_destination
from banking.data_generators.orchestration.ownership import OwnershipGenerator
from banking.data_generators.orchestration.scale import check_scale, entity_counts
from banking.data_generators.orchestration.scale import typology_counts as default_typology_counts
from banking.dataset.schema import ENTITIES, columns_from_records, records_from_models
from banking.dataset.writers import DatasetWriter, check_format
from banking.entities import TABLE
from banking.errors import UsageError
from banking.ids import IdSequence
from banking.models import Typology
from banking.progress import Progress
from banking.seeding import check_seed, stream_rng

DEFAULT_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class BankSummary:
    """What ``generate_bank`` produced: rows per entity file, instances per typology, time."""

    seed: int
    scale: float
    format: str | None
    out_dir: Path | None
    counts: dict[str, int]
    typologies: dict[str, int]
    seconds: float
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def entities_per_second(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else float("inf")

    def render(self) -> str:
        """A short human-readable table (for the CLI)."""
        lines = [f"{'entity':<18}{'rows':>12}"]
        lines += [f"{name:<18}{n:>12,}" for name, n in self.counts.items()]
        if self.typologies:
            lines.append(f"{'typology':<18}{'instances':>12}")
            lines += [f"{name:<18}{n:>12,}" for name, n in self.typologies.items()]
        where = f" -> {self.out_dir} ({self.format})" if self.out_dir else ""
        lines.append(
            f"{self.total:,} entities in {self.seconds:.2f} s "
            f"({self.entities_per_second:,.0f} entities/s){where}"
        )
        return "\n".join(lines)


class _CountingSink:
    """Stands in for a DatasetWriter when nothing is written (benchmarks of generation alone)."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(ENTITIES, 0)

    def write_records(self, entity: str, records: list[dict[str, Any]]) -> None:
        self.counts[entity] += len(records)

    def write_columns(self, entity: str, columns: dict[str, np.ndarray]) -> None:
        self.counts[entity] += len(next(iter(columns.values()))) if columns else 0


def _load_patterns() -> Any:
    """The typology package, imported when first needed (keeps ``import banking`` light)."""
    return importlib.import_module("banking.data_generators.patterns")


class _Interleaver:
    """Spreads a few extra records (a typology's) over the batches of one entity file."""

    def __init__(self, seed: int, entity: str, extra: list[dict[str, Any]], batches: int) -> None:
        self._rng = stream_rng(seed, f"scenario:interleave:{entity}")
        self._batches = max(batches, 1)
        slot = self._rng.integers(0, self._batches, len(extra))
        self._extra: list[list[dict[str, Any]]] = [[] for _ in range(self._batches)]
        for record, i in zip(extra, slot.tolist(), strict=True):
            self._extra[i].append(record)
        self._next = 0

    def next_extra(self) -> list[dict[str, Any]]:
        """The extra records that belong to the next batch."""
        extra = self._extra[self._next] if self._next < self._batches else []
        self._next += 1
        return extra

    def mix(
        self, entity: str, columns: dict[str, np.ndarray], extra: list[dict[str, Any]]
    ) -> dict[str, np.ndarray]:
        """``columns`` plus ``extra``, shuffled together."""
        if not extra:
            return columns
        more = columns_from_records(entity, extra)
        order = self._rng.permutation(len(next(iter(columns.values()))) + len(extra))
        return {name: np.concatenate([col, more[name]])[order] for name, col in columns.items()}

    def rest(self) -> list[dict[str, Any]]:
        """Extra records whose batch never came (the entity had no background rows)."""
        out = [r for batch in self._extra[self._next :] for r in batch]
        self._next = self._batches
        return out


def _batches(n: int, size: int) -> int:
    return -(-n // size)


class _BankBuilder:
    def __init__(
        self,
        seed: int,
        counts: dict[str, int],
        typologies: dict[str, int],
        typology_params: dict[str, dict[str, Any]],
        reference_date: date,
        window_days: int,
        batch_size: int,
        progress: Progress,
    ) -> None:
        self.seed = seed
        self.counts = counts
        self.typologies = typologies
        self.typology_params = typology_params
        self.reference_date = reference_date
        self.window_days = window_days
        self.batch_size = batch_size
        self.progress = progress
        self.injected: Any = None
        self.typology_counts: dict[str, int] = {}

    # -- step 1 and 2: ids, dry run of accounts, typologies --------------------------------
    def prepare(self) -> None:
        seed, counts = self.seed, self.counts
        self.person_ids = IdSequence(seed, "person", "core").take_objects(counts["persons"])
        self.company_ids = IdSequence(seed, "company", "core").take_objects(counts["companies"])
        self.owner_ids = np.concatenate([self.person_ids, self.company_ids])
        account_ids, account_owners, account_currencies = [], [], []
        if counts["accounts"]:
            self.progress.set_label("accounts (ids)")
            for cols in self._account_generator().iter_columns(counts["accounts"], self.batch_size):
                account_ids.append(cols["account_id"])
                account_owners.append(cols["owner_id"])
                account_currencies.append(cols["currency"])
                self.progress.update(len(cols["account_id"]))
        self.account_ids = np.concatenate(account_ids) if account_ids else np.empty(0, dtype=object)
        self.account_owners = (
            np.concatenate(account_owners) if account_owners else np.empty(0, dtype=object)
        )
        self.account_currencies = (
            np.concatenate(account_currencies) if account_currencies else np.empty(0, dtype=object)
        )
        self._inject()

    def _account_generator(self) -> AccountGenerator:
        return AccountGenerator(
            self.seed, owner_ids=self.owner_ids, reference_date=self.reference_date
        )

    def _inject(self) -> None:
        wanted = {t: n for t, n in self.typologies.items() if n > 0}
        if not wanted:
            return
        patterns = _load_patterns()
        self.progress.set_label("typologies")
        ctx = patterns.PatternContext(
            person_ids=self.person_ids,
            company_ids=self.company_ids,
            account_ids=self.account_ids,
            account_owner_ids=self.account_owners,
            reference_date=self.reference_date,
            window_days=self.window_days,
        )
        injected = patterns.InjectedPatterns()
        for typology in Typology:  # fixed order: deterministic
            count = wanted.get(typology.value, 0)
            if count:
                params = self.typology_params.get(typology.value, {})
                injected.extend(patterns.inject(typology, ctx, count, self.seed, **params))
        self.injected = injected
        for p in injected.patterns:
            key = p.typology.value
            self.typology_counts[key] = self.typology_counts.get(key, 0) + 1

    def _extra(self, entity: str) -> list[dict[str, Any]]:
        if self.injected is None:
            return []
        return records_from_models(getattr(self.injected, entity, ()))  # no typology makes some

    # -- step 3: stream every entity -------------------------------------------------------
    def write(self, sink: Any) -> None:
        c, seed, ref, size = self.counts, self.seed, self.reference_date, self.batch_size
        self._stream(
            sink,
            "persons",
            PersonGenerator(seed, reference_date=ref).iter_columns(c["persons"], size),
            c["persons"],
        )
        self._stream(
            sink,
            "companies",
            CompanyGenerator(seed, reference_date=ref).iter_columns(c["companies"], size),
            c["companies"],
        )
        self._stream(
            sink,
            "accounts",
            self._account_generator().iter_columns(c["accounts"], size),
            c["accounts"],
        )
        exclude = frozenset()
        if self.injected is not None:
            exclude = frozenset(link.company_id for link in self.injected.ownership_links)
        ownership = OwnershipGenerator(seed, self.company_ids, self.person_ids, exclude=exclude)
        self._stream(sink, "ownership_links", ownership.iter_columns(size), c["companies"])
        if c["transactions"]:
            txns = TransactionGenerator(
                seed,
                account_ids=self.account_ids,
                reference_date=ref,
                window_days=self.window_days,
                account_currencies=self.account_currencies,
            )
            columns: Iterator[dict[str, np.ndarray]] = txns.iter_columns(c["transactions"], size)
        else:
            columns = iter(())
        self._stream(sink, "transactions", columns, c["transactions"])
        if c["communications"]:
            comms = CommunicationGenerator(
                seed, person_ids=self.person_ids, reference_date=ref, window_days=self.window_days
            )
            columns = comms.iter_columns(c["communications"], size)
        else:
            columns = iter(())
        self._stream(sink, "communications", columns, c["communications"])
        for spec in TABLE:  # an entity the table names a bank generator for (none yet)
            if spec.generator is not None:
                self._stream(sink, spec.plural, spec.bank_columns(self), 0)
        self.progress.set_label("patterns")
        sink.write_records("patterns", self._extra("patterns"))

    def _stream(
        self, sink: Any, entity: str, columns: Iterator[dict[str, np.ndarray]], rows: int
    ) -> None:
        self.progress.set_label(entity)
        mixer = _Interleaver(
            self.seed, entity, self._extra(entity), _batches(rows, self.batch_size)
        )
        for cols in columns:
            n = len(next(iter(cols.values())))
            extra = mixer.next_extra()
            sink.write_columns(entity, mixer.mix(entity, cols, extra))
            self.progress.update(n)
        sink.write_records(entity, mixer.rest())


def generate_bank(
    scale: float,
    seed: int = 42,
    *,
    out_dir: str | Path | None = None,
    fmt: str = "jsonl",
    counts: dict[str, int] | None = None,
    typology_counts: dict[str, int] | None = None,
    typology_params: dict[str, dict[str, Any]] | None = None,
    reference_date: date = REFERENCE_DATE,
    window_days: int = 365,
    batch_size: int = DEFAULT_BATCH_SIZE,
    overwrite: bool = False,
    progress: Progress | None = None,
    preset: str | None = None,
    workers: int | None = None,
) -> BankSummary:
    """Generate a bank of ``scale`` (1 ~ AMLworld HI-Small) from ``seed``.

    ``counts`` overrides entity counts (persons, companies, accounts, transactions,
    communications); ``typology_counts`` overrides instances per typology (0 disables one);
    ``typology_params`` passes keyword parameters to a typology. With ``out_dir`` the dataset
    is written there atomically (``overwrite`` replaces an existing dataset); without it the
    bank is generated and counted only. The output depends only on the arguments.

    ``preset`` (``amlworld-hi-small`` ...) writes an AMLworld-shaped bank instead, ``scale``
    times its size, in chunks on ``workers`` processes (default: the cores; the bytes do not
    depend on it); see ``presets``. Without a preset ``workers`` is not used: the default bank
    stays the single-process stream it always was, byte for byte.
    """
    if preset is not None:
        from banking.data_generators.orchestration.parallel import generate_named

        fixed = bool(counts or typology_counts or typology_params) or window_days != 365
        return generate_named(
            preset, scale, seed, out_dir, fmt, workers, reference_date, overwrite, progress, fixed
        )
    scale = check_scale(scale)
    seed = check_seed(seed)
    n = entity_counts(scale, counts)
    typologies = default_typology_counts(scale, typology_counts)
    params = {getattr(k, "value", k): dict(v) for k, v in (typology_params or {}).items()}
    if not isinstance(reference_date, date):
        raise UsageError(f"reference_date must be a date, got {reference_date!r}")
    window_days = check_window(window_days)
    batch_size = check_batch_size(batch_size)
    progress = progress or Progress(quiet=True)
    if out_dir is not None:
        fmt = check_format(fmt)
        check_destination(out_dir, overwrite)
    started = time.perf_counter()
    builder = _BankBuilder(
        seed, n, typologies, params, reference_date, window_days, batch_size, progress
    )
    progress.start(
        n["accounts"] * 2
        + n["persons"]
        + n["companies"] * 2
        + n["transactions"]
        + n["communications"],
        "preparing",
    )
    manifest: dict[str, Any] = {}
    try:
        builder.prepare()
        if out_dir is None:
            sink = _CountingSink()
            builder.write(sink)
            written = sink.counts
        else:
            with atomic_directory(out_dir, overwrite) as tmp:
                writer = DatasetWriter(tmp, fmt)
                try:
                    builder.write(writer)
                except BaseException:
                    writer.abort()
                    raise
                manifest = writer.close(
                    {
                        "seed": seed,
                        "scale": scale,
                        "reference_date": reference_date.isoformat(),
                        "window_days": window_days,
                        "package_version": __version__,
                        "requested_counts": n,
                        "typologies": dict(sorted(builder.typology_counts.items())),
                    }
                )
                written = manifest["counts"]
    finally:
        progress.close()
    return BankSummary(
        seed=seed,
        scale=scale,
        format=fmt if out_dir is not None else None,
        out_dir=Path(out_dir) if out_dir is not None else None,
        counts=dict(written),
        typologies=dict(sorted(builder.typology_counts.items())),
        seconds=time.perf_counter() - started,
        manifest=manifest,
    )
