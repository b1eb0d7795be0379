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
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from banking.dataset.schema import ENTITIES, MANIFEST, Kind, field_kinds, model_of
from banking.dataset.writers import check_format, require_pyarrow
from banking.errors import UsageError
from banking.models import Pattern


def csv_value(text: str, kind: Kind) -> Any:
    """Inverse of ``writers.csv_cell``."""
    if kind == "str":
        return text
    if text == "":
        return None
    if kind == "bool":
        return text == "true"
    if kind == "float":
        return float(text)
    if kind == "int":
        return int(text)
    if kind in ("strlist", "json"):
        return orjson.loads(text)
    return text  # optstr, date, datetime: already ISO text


class DatasetReader:
    """A dataset directory: ``manifest`` plus per-entity record batches."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        manifest_path = self.path / MANIFEST
        if not manifest_path.is_file():
            raise UsageError(f"{self.path} is not a dataset directory (no {MANIFEST})")
        try:
            self.manifest: dict[str, Any] = orjson.loads(manifest_path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise UsageError(f"{manifest_path} is not valid JSON: {exc}") from None
        self.format: str = check_format(self.manifest.get("format", ""))

    @property
    def entities(self) -> tuple[str, ...]:
        return ENTITIES

    def count(self, entity: str) -> int:
        """Number of records of ``entity`` (from the manifest)."""
        model_of(entity)
        return int(self.manifest["counts"][entity])

    def file(self, entity: str) -> Path:
        model_of(entity)
        return self.path / self.manifest["files"][entity]

    def iter_batches(self, entity: str, batch_size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
        """Lists of at most ``batch_size`` JSON-native records, in file order."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise UsageError(f"batch_size must be a positive integer, got {batch_size!r}")
        path = self.file(entity)
        if self.format == "jsonl":
            yield from self._jsonl(path, batch_size)
        elif self.format == "csv":
            yield from self._csv(path, entity, batch_size)
        else:
            yield from self._parquet(path, entity, batch_size)

    def iter_records(self, entity: str, batch_size: int = 10_000) -> Iterator[dict[str, Any]]:
        for batch in self.iter_batches(entity, batch_size):
            yield from batch

    def iter_models(self, entity: str, batch_size: int = 10_000) -> Iterator[list[BaseModel]]:
        """Like ``iter_batches`` but each record fully validated into its model."""
        model = model_of(entity)
        for batch in self.iter_batches(entity, batch_size):
            try:
                yield [model.model_validate(r) for r in batch]
            except ValidationError as exc:
                raise UsageError(f"invalid {entity} record in {self.path}: {exc}") from None

    def patterns(self) -> list[Pattern]:
        """The ground truth: every injected typology instance."""
        return [p for batch in self.iter_models("patterns") for p in batch]  # type: ignore[misc]

    @staticmethod
    def _jsonl(path: Path, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        loads = orjson.loads
        batch: list[dict[str, Any]] = []
        with open(path, "rb") as fh:
            for line in fh:
                batch.append(loads(line))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    @staticmethod
    def _csv(path: Path, entity: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        kinds = field_kinds(entity)
        with open(path, newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            header = next(rows, None)
            if header != list(kinds):
                raise UsageError(f"{path}: unexpected CSV header {header!r}")
            items = list(kinds.items())
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(
                    {
                        name: csv_value(text, kind)
                        for (name, kind), text in zip(items, row, strict=True)
                    }
                )
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch

    @staticmethod
    def _parquet(path: Path, entity: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        require_pyarrow()
        import pyarrow.parquet as pq

        kinds = field_kinds(entity)
        convert = {n: k for n, k in kinds.items() if k in ("date", "datetime", "json")}
        pf = pq.ParquetFile(path)
        try:
            for record_batch in pf.iter_batches(batch_size=batch_size):
                records = record_batch.to_pylist()
                for r in records:
                    for name, kind in convert.items():
                        value = r[name]
                        if value is None:
                            continue
                        if kind == "json":
                            r[name] = orjson.loads(value)
                        else:
                            r[name] = _iso(value)
                if records:
                    yield records
        finally:
            pf.close()


def _iso(value: date | datetime) -> str:
    return value.isoformat()
