"""Read a dataset directory written by ``banking generate`` (any format) as records or models.

This is the stable interface the graph loader and the Kafka producer consume::

    reader = DatasetReader("data/")
    reader.manifest["counts"]["transactions"]
    for batch in reader.iter_batches("transactions", batch_size=10_000):
        ...  # list of dicts, model_dump(mode="json") shape, identical for jsonl/csv/parquet
    for batch in reader.iter_models("accounts"):
        ...  # list of validated banking.models.Account
    truth = reader.patterns()  # list of banking.models.Pattern

Entities: persons, companies, accounts, transactions, communications, ownership_links, patterns.
Memory is bounded by one batch.

A damaged dataset is a one-line ``DatasetError`` (a ``UsageError``) naming the file and line:
opening the reader checks what is cheap to check for every file (present, Parquet footers and
row counts); each batch is parsed whole before it is handed out, so a caller never gets part of
a bad batch, and a file with fewer or more records than the manifest says fails before its last
batch. ``verify`` reads everything once, for callers that must not start on a bad dataset.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from banking.dataset.files import (
    REGENERATE as REGENERATE,
)
from banking.dataset.files import (
    DatasetError as DatasetError,
)
from banking.dataset.files import (
    csv_batches,
    jsonl_batches,
    parquet_batches,
)
from banking.dataset.files import (
    csv_value as csv_value,
)
from banking.dataset.schema import ENTITIES, MANIFEST, field_kinds, model_of
from banking.dataset.writers import check_format, require_pyarrow
from banking.errors import UsageError
from banking.models import Pattern
from banking.validation import InvalidRecord, validate_records

Check = Callable[[str, list[dict[str, Any]]], None]
"""Called by ``verify`` with each batch; raises ``InvalidRecord`` for a bad record."""


class DatasetReader:
    """A dataset directory: ``manifest`` plus per-entity record batches."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        manifest_path = self.path / MANIFEST
        if not self.path.exists():
            raise DatasetError(f"{self.path} does not exist")
        if not manifest_path.is_file():
            raise DatasetError(f"{self.path} is not a dataset directory (no {MANIFEST})")
        try:
            self.manifest: dict[str, Any] = orjson.loads(manifest_path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"{manifest_path} is not valid JSON: {exc}") from None
        if not isinstance(self.manifest, dict):
            raise DatasetError(f"{manifest_path} is not a JSON object: {REGENERATE}")
        self.format: str = check_format(self.manifest.get("format", ""))
        # Records handed out by iter_batches, per entity: what a caller may already have used
        # when a later line turns out to be damaged (named in that error).
        self.records_read: dict[str, int] = {}
        # Per CSV file: (record index, extra lines before it) where a quoted cell spans lines.
        self._csv_offsets: dict[Path, list[tuple[int, int]]] = {}
        # Per entity: its files in order with their record counts (one, or a preset's parts).
        self._parts: dict[str, list[tuple[Path, int]]] = {}
        self._expected = self._check_files(manifest_path)

    def _check_files(self, manifest_path: Path) -> dict[str, int]:
        """Every entity's file present (with its row count and columns, for Parquet, whose
        footer says them cheaply); returns the record counts the manifest promises."""
        files, counts = self.manifest.get("files"), self.manifest.get("counts")
        if not isinstance(files, dict) or not isinstance(counts, dict):
            raise DatasetError(f"{manifest_path} lacks 'files' or 'counts': {REGENERATE}")
        parts = self.manifest.get("parts", {})
        expected: dict[str, int] = {}
        for entity in ENTITIES:
            name, count = files.get(entity), counts.get(entity)
            if not isinstance(name, str) or not name or type(count) is not int or count < 0:
                raise DatasetError(
                    f"{manifest_path} lists no file or count for {entity}: {REGENERATE}"
                )
            listed = parts.get(entity) if isinstance(parts, dict) else None
            if listed is None:
                self._parts[entity] = [(self.path / name, count)]
            elif (
                not isinstance(listed, list)
                or not all(_is_part(item) for item in listed)
                or sum(item[1] for item in listed) != count
            ):
                raise DatasetError(f"{manifest_path}: bad part list for {entity}: {REGENERATE}")
            else:
                self._parts[entity] = [(self.path / f, n) for f, n in listed]
            for file, rows in self._parts[entity]:
                if not file.is_file():
                    raise DatasetError(
                        f"{file}: missing ({MANIFEST} lists it for {entity}); "
                        f"the dataset is incomplete: {REGENERATE}"
                    )
                if self.format == "parquet":
                    self._check_parquet(file, entity, rows)
            expected[entity] = count
        return expected

    @staticmethod
    def _check_parquet(path: Path, entity: str, count: int) -> None:
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(f"{path}: unreadable Parquet file ({exc}); {REGENERATE}") from None
        try:
            names, rows = pf.schema_arrow.names, pf.metadata.num_rows
        finally:
            pf.close()
        if names != list(field_kinds(entity)):
            raise DatasetError(f"{path}: columns {names} are not those of {entity}; {REGENERATE}")
        if rows != count:
            raise DatasetError(
                f"{path}: {rows:,} rows, but {MANIFEST} says {count:,}; {REGENERATE}"
            )

    @property
    def entities(self) -> tuple[str, ...]:
        return ENTITIES

    def count(self, entity: str) -> int:
        """Number of records of ``entity`` (from the manifest)."""
        model_of(entity)
        return self._expected[entity]

    def file(self, entity: str) -> Path:
        """The entity's file (for a parted dataset, the directory of its parts)."""
        model_of(entity)
        return self.path / self.manifest["files"][entity]

    def parts(self, entity: str) -> list[tuple[Path, int]]:
        """The entity's files in order, each with its record count."""
        model_of(entity)
        return list(self._parts[entity])

    def location(self, entity: str, index: int) -> str:
        """Where record ``index`` (0-based, in file order) of ``entity`` is: ``FILE:LINE``
        (for Parquet, ``FILE: row N``)."""
        model_of(entity)
        path, before = self._parts[entity][0][0], 0
        for part, rows in self._parts[entity]:
            path = part
            if index < before + rows:
                break
            before += rows
        index -= before
        if self.format == "jsonl":
            return f"{path}:{index + 1}"
        if self.format == "csv":
            offsets = self._csv_offsets.get(path, [])
            at = bisect_right(offsets, (index, float("inf"))) - 1
            extra = offsets[at][1] if at >= 0 else 0
            return f"{path}:{index + 2 + extra}"  # line 1 is the header
        return f"{path}: row {index + 1}"

    def iter_batches(self, entity: str, batch_size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
        """Lists of at most ``batch_size`` JSON-native records, in file order; each batch is
        read whole (and the file's record count checked before its last one) before it is
        handed out."""
        _check_batch_size(batch_size)
        try:
            for batch in self._batches(entity, batch_size):
                self.records_read[entity] = self.records_read.get(entity, 0) + len(batch)
                yield batch
        except DatasetError as exc:
            read = {e: n for e, n in self.records_read.items() if n}
            if not read:
                raise
            parts = ", ".join(f"{e} {n:,}" for e, n in read.items())
            total = sum(read.values())
            raise DatasetError(
                f"{exc}; before it, {total:,} records were already read and handed on "
                f"(by `banking stream produce`: sent): {parts}"
            ) from None

    def iter_records(self, entity: str, batch_size: int = 10_000) -> Iterator[dict[str, Any]]:
        for batch in self.iter_batches(entity, batch_size):
            yield from batch

    def iter_models(self, entity: str, batch_size: int = 10_000) -> Iterator[list[BaseModel]]:
        """Like ``iter_batches`` but each record fully validated into its model (the check of
        ``banking.validation``, the one every ingest path applies)."""
        model_of(entity)
        start = 0
        for batch in self.iter_batches(entity, batch_size):
            yield self._validated(entity, batch, start, validate_records)
            start += len(batch)

    def patterns(self) -> list[Pattern]:
        """The ground truth: every injected typology instance."""
        return [p for batch in self.iter_models("patterns") for p in batch]  # type: ignore[misc]

    def verify(
        self,
        check: Check | None = None,
        batch_size: int = 10_000,
        entities: Iterable[str] = ENTITIES,
    ) -> dict[str, int]:
        """Read every file of ``entities`` once, before anything is done with the data; returns
        the records per entity. ``check(entity, batch)`` may reject records (``InvalidRecord``),
        reported at their file and line. Costs one read of the dataset (JSONL about 0.2 s per
        65,000 records)."""
        _check_batch_size(batch_size)
        counts: dict[str, int] = {}
        for entity in entities:
            start = 0
            for batch in self._batches(entity, batch_size):
                if check is not None:
                    self._validated(entity, batch, start, check)
                start += len(batch)
            counts[entity] = start
        return counts

    def _validated(self, entity: str, batch: list[dict[str, Any]], start: int, check: Any) -> Any:
        try:
            return check(entity, batch)
        except InvalidRecord as exc:
            where = self.location(entity, start + exc.index)
            raise DatasetError(f"{where}: {exc.reason}") from None

    def _batches(self, entity: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        model_of(entity)
        for path, expected in self._parts[entity]:
            if self.format == "jsonl":
                yield from jsonl_batches(path, batch_size, expected)
            elif self.format == "csv":
                offsets = self._csv_offsets[path] = []
                yield from csv_batches(path, entity, batch_size, expected, offsets)
            else:
                yield from parquet_batches(path, entity, batch_size, expected)


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch_size must be a positive integer, got {batch_size!r}")


def _is_part(item: Any) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], str)
        and bool(item[0])
        and type(item[1]) is int
        and item[1] >= 0
    )
