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

import contextlib
import csv
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from pydantic import BaseModel

from banking.dataset.schema import ENTITIES, MANIFEST, Kind, field_kinds, model_of
from banking.dataset.writers import check_format, require_pyarrow
from banking.errors import UsageError
from banking.models import Pattern
from banking.validation import InvalidRecord, validate_records

REGENERATE = "regenerate the dataset with `banking generate`"

Check = Callable[[str, list[dict[str, Any]]], None]
"""Called by ``verify`` with each batch; raises ``InvalidRecord`` for a bad record."""


class DatasetError(UsageError):
    """A dataset that cannot be read as its manifest describes (missing file, damaged line)."""


def _damaged(where: str, what: str) -> DatasetError:
    """``where`` (file:line) holds something no writer of ours produces: one message format."""
    return DatasetError(f"{where}: {what}; the file is damaged: {REGENERATE}")


def csv_value(text: str, kind: Kind) -> Any:
    """Inverse of ``writers.csv_cell``. A cell that does not convert stays text, so the record
    check (``banking.validation``) rejects it with its field name, as it would in JSONL."""
    if kind == "str":
        return text
    if text == "":
        return None
    try:
        if kind == "bool":
            return {"true": True, "false": False}.get(text, text)
        if kind == "float":
            return float(text)
        if kind == "int":
            return int(text)
        if kind in ("strlist", "json"):
            return orjson.loads(text)
    except ValueError:  # orjson.JSONDecodeError is a ValueError
        return text
    return text  # optstr, date, datetime: already ISO text


_JSON_WHERE = re.compile(r": line \d+ column (\d+) \(char \d+\)$")


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    """orjson's message for one line, its position as a column."""
    return _JSON_WHERE.sub(r" at column \1", str(exc))


def _text_lines(fh: BinaryIO, path: Path) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is a DatasetError naming it."""
    for lineno, raw in enumerate(fh, 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _damaged(f"{path}:{lineno}", f"not UTF-8 text (byte {exc.start + 1})") from None


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
        # Per CSV entity: (record index, extra lines before it) where a quoted cell spans lines.
        self._csv_offsets: dict[str, list[tuple[int, int]]] = {}
        self._expected = self._check_files(manifest_path)

    def _check_files(self, manifest_path: Path) -> dict[str, int]:
        """Every entity's file present (with its row count and columns, for Parquet, whose
        footer says them cheaply); returns the record counts the manifest promises."""
        files, counts = self.manifest.get("files"), self.manifest.get("counts")
        if not isinstance(files, dict) or not isinstance(counts, dict):
            raise DatasetError(f"{manifest_path} lacks 'files' or 'counts': {REGENERATE}")
        expected: dict[str, int] = {}
        for entity in ENTITIES:
            name, count = files.get(entity), counts.get(entity)
            if not isinstance(name, str) or not name or type(count) is not int or count < 0:
                raise DatasetError(
                    f"{manifest_path} lists no file or count for {entity}: {REGENERATE}"
                )
            file = self.path / name
            if not file.is_file():
                raise DatasetError(
                    f"{file}: missing ({MANIFEST} lists it for {entity}); "
                    f"the dataset is incomplete: {REGENERATE}"
                )
            expected[entity] = count
            if self.format == "parquet":
                self._check_parquet(file, entity, count)
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
        model_of(entity)
        return self.path / self.manifest["files"][entity]

    def location(self, entity: str, index: int) -> str:
        """Where record ``index`` (0-based, in file order) of ``entity`` is: ``FILE:LINE``
        (for Parquet, ``FILE: row N``)."""
        path = self.file(entity)
        if self.format == "jsonl":
            return f"{path}:{index + 1}"
        if self.format == "csv":
            offsets = self._csv_offsets.get(entity, [])
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
        path, expected = self.file(entity), self._expected[entity]
        if self.format == "jsonl":
            return self._jsonl(path, batch_size, expected)
        if self.format == "csv":
            return self._csv(path, entity, batch_size, expected)
        return self._parquet(path, entity, batch_size, expected)

    @staticmethod
    def _count_check(path: Path, read: int, expected: int) -> None:
        if read != expected:
            raise DatasetError(
                f"{path}: {read:,} records, but {MANIFEST} says {expected:,}: the file is "
                f"truncated or was changed; {REGENERATE}"
            )

    def _jsonl(self, path: Path, batch_size: int, expected: int) -> Iterator[list[dict[str, Any]]]:
        loads = orjson.loads
        batch: list[dict[str, Any]] = []
        lineno = 0
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if len(batch) >= batch_size:  # handed out once the next line has been read
                    yield batch
                    batch = []
                try:
                    record = loads(line)
                except orjson.JSONDecodeError as exc:
                    raise _damaged(
                        f"{path}:{lineno}", f"not a JSON record ({_json_reason(exc)})"
                    ) from None
                if type(record) is not dict:
                    raise _damaged(
                        f"{path}:{lineno}", f"a JSON {type(record).__name__}, not a record"
                    )
                batch.append(record)
        self._count_check(path, lineno, expected)
        if batch:
            yield batch

    def _csv(
        self, path: Path, entity: str, batch_size: int, expected: int
    ) -> Iterator[list[dict[str, Any]]]:
        kinds = field_kinds(entity)
        items = list(kinds.items())
        offsets: list[tuple[int, int]] = []
        self._csv_offsets[entity] = offsets
        with open(path, "rb") as fh:
            rows = csv.reader(_text_lines(fh, path))
            try:
                header = next(rows, None)
            except csv.Error as exc:
                raise DatasetError(f"{path}:1: not a CSV header ({exc}); {REGENERATE}") from None
            if header != list(kinds):
                raise DatasetError(f"{path}:1: unexpected CSV header {header!r:.200}; {REGENERATE}")
            batch: list[dict[str, Any]] = []
            index = extra = 0
            while True:
                first_line = rows.line_num + 1
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise _damaged(f"{path}:{first_line}", f"not a CSV row ({exc})") from None
                if first_line != index + 2 + extra:  # a quoted cell spanned lines before
                    extra = first_line - index - 2
                    offsets.append((index, extra))
                if len(row) != len(items):
                    raise _damaged(
                        f"{path}:{first_line}", f"{len(row)} fields, expected {len(items)}"
                    )
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
                batch.append(
                    {
                        name: csv_value(text, kind)
                        for (name, kind), text in zip(items, row, strict=True)
                    }
                )
                index += 1
        self._count_check(path, index, expected)
        if batch:
            yield batch

    def _parquet(
        self, path: Path, entity: str, batch_size: int, expected: int
    ) -> Iterator[list[dict[str, Any]]]:
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        kinds = field_kinds(entity)
        convert = {n: k for n, k in kinds.items() if k in ("date", "datetime", "json")}
        read = 0
        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise DatasetError(f"{path}: unreadable Parquet file ({exc}); {REGENERATE}") from None
        try:
            batches = pf.iter_batches(batch_size=batch_size)
            while True:
                try:
                    record_batch = next(batches, None)
                    records = [] if record_batch is None else record_batch.to_pylist()
                except (pa.ArrowException, OSError) as exc:
                    raise DatasetError(
                        f"{path}: unreadable Parquet data after row {read:,} ({exc}); {REGENERATE}"
                    ) from None
                if record_batch is None:
                    break
                for r in records:
                    for name, kind in convert.items():
                        value = r[name]
                        if value is None:
                            continue
                        if kind == "json":
                            # Left as text if not JSON: the record check names the field.
                            with contextlib.suppress(orjson.JSONDecodeError):
                                r[name] = orjson.loads(value)
                        elif isinstance(value, date):
                            r[name] = _iso(value)
                read += len(records)
                if read >= expected:
                    self._count_check(path, read, expected)
                if records:
                    yield records
            self._count_check(path, read, expected)
        finally:
            pf.close()


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch_size must be a positive integer, got {batch_size!r}")


def _iso(value: date | datetime) -> str:
    return value.isoformat()
