"""Record batches of one dataset file (JSONL, CSV or Parquet), for ``DatasetReader``.

Each batch is parsed whole before it is handed out, and the file's record count is checked
against what the manifest promises; damage is a one-line ``DatasetError`` naming file and line.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from banking.dataset.schema import MANIFEST, Kind, field_kinds
from banking.dataset.writers import require_pyarrow
from banking.errors import UsageError

REGENERATE = "regenerate the dataset with `banking generate`"


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


def count_check(path: Path, read: int, expected: int) -> None:
    if read != expected:
        raise DatasetError(
            f"{path}: {read:,} records, but {MANIFEST} says {expected:,}: the file is "
            f"truncated or was changed; {REGENERATE}"
        )


def jsonl_batches(path: Path, batch_size: int, expected: int) -> Iterator[list[dict[str, Any]]]:
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
                raise _damaged(f"{path}:{lineno}", f"a JSON {type(record).__name__}, not a record")
            batch.append(record)
    count_check(path, lineno, expected)
    if batch:
        yield batch


def csv_batches(
    path: Path, entity: str, batch_size: int, expected: int, offsets: list[tuple[int, int]]
) -> Iterator[list[dict[str, Any]]]:
    """``offsets`` receives (record index, extra lines before it) where a quoted cell spans
    lines, for ``DatasetReader.location``."""
    kinds = field_kinds(entity)
    items = list(kinds.items())
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
                raise _damaged(f"{path}:{first_line}", f"{len(row)} fields, expected {len(items)}")
            if len(batch) >= batch_size:
                yield batch
                batch = []
            batch.append(
                {name: csv_value(text, kind) for (name, kind), text in zip(items, row, strict=True)}
            )
            index += 1
    count_check(path, index, expected)
    if batch:
        yield batch


def parquet_batches(
    path: Path, entity: str, batch_size: int, expected: int
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
                count_check(path, read, expected)
            if records:
                yield records
        count_check(path, read, expected)
    finally:
        pf.close()


def _iso(value: date | datetime) -> str:
    return value.isoformat()
