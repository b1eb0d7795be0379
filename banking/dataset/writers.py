"""Append-only writers of a dataset directory: one file per entity, batches appended.

Memory is bounded by one batch: JSONL and CSV stream rows to the file, Parquet writes one row
group per batch. Output bytes depend only on the records written (no timestamps, no host
names), so the same records give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
from pydantic import BaseModel

from banking.dataset.formats import FORMATS
from banking.dataset.schema import (
    ENTITIES,
    FORMAT_VERSION,
    MANIFEST,
    Kind,
    column_lists,
    field_kinds,
    file_name,
    iter_records_from_columns,
    records_from_columns,
    records_from_models,
)
from banking.errors import UsageError

PARQUET_HINT = "Parquet output needs pyarrow: pip install 'banking-graph-bench[parquet]'"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        require_pyarrow()
    return fmt


def require_pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise UsageError(PARQUET_HINT) from None
    return pyarrow


def csv_cell(value: Any, kind: Kind) -> str:
    """One CSV cell; ``csv_value`` in the reader is its inverse."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("strlist", "json"):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if kind == "float":
        return repr(float(value))
    return str(value)


_BOOL_CELLS = np.array(["false", "true"], dtype=object)


def _full_width(values: np.ndarray) -> np.ndarray | None:
    """An ``S`` array as ``(n, width)`` bytes if no value is NUL-padded (shorter), else None."""
    width = values.dtype.itemsize
    cells = np.ascontiguousarray(values).view(np.uint8).reshape(len(values), width)
    return cells if width and (len(values) == 0 or cells[:, -1].all()) else None


def ascii_column(values: np.ndarray, pa: Any) -> Any:
    """Arrow strings of an ASCII ``S`` array, no object per value: equal-width values (ids)
    are its data buffer as is; shorter ones (``"ach"`` in ``S12``) lose their NUL padding."""
    cells = _full_width(values)
    if cells is not None:
        lengths = np.full(len(values), cells.shape[1], dtype=np.int32)
        data = cells  # Arrow holds the numpy buffer: no copy
    else:
        cells = np.ascontiguousarray(values).view(np.uint8).reshape(len(values), -1)
        kept = cells != 0  # ASCII has no NUL: only numpy's padding is dropped
        lengths = kept.sum(axis=1, dtype=np.int32)
        data = cells[kept]
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


def str_objects(values: np.ndarray) -> np.ndarray:
    """An ASCII ``S`` array as an object array of ``str`` (for the row-wise formats)."""
    cells = _full_width(values)
    out = np.empty(len(values), dtype=object)
    if cells is None:
        out[:] = np.char.decode(values, "ascii").tolist()
    elif len(values):
        lines = np.empty((len(values), cells.shape[1] + 1), dtype=np.uint8)
        lines[:, :-1] = cells
        lines[:, -1] = ord("\n")
        out[:] = lines.tobytes().decode("ascii").split("\n")[:-1]
    return out


class _EntityFile:
    def __init__(self, path: Path, entity: str) -> None:
        self.path = path
        self.entity = entity
        self.kinds = field_kinds(entity)
        self.rows = 0

    def write(self, records: list[dict[str, Any]]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def write_columns(self, columns: dict[str, np.ndarray]) -> None:
        """Append a generator's columns (formats with a columnar layout override this)."""
        self.write(records_from_columns(self.entity, columns))

    def close(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class _JsonlFile(_EntityFile):
    def __init__(self, path: Path, entity: str) -> None:
        super().__init__(path, entity)
        self._fh: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed by close()

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        # One record at a time: orjson's result buffers are over-allocated (~8 KiB each), so
        # holding a batch of them before writing would cost ~20x the batch's size.
        dumps, opt, write = orjson.dumps, orjson.OPT_APPEND_NEWLINE, self._fh.write
        rows = 0
        for record in records:
            write(dumps(record, option=opt))
            rows += 1
        self.rows += rows

    def write_columns(self, columns: dict[str, np.ndarray]) -> None:
        """Each record is built, serialised and written in turn (a C-level loop), then dropped:
        no list of the batch's dicts or lines is ever held."""
        n = len(next(iter(columns.values()))) if columns else 0
        dumps = functools.partial(orjson.dumps, option=orjson.OPT_APPEND_NEWLINE)
        self._fh.writelines(map(dumps, iter_records_from_columns(self.entity, columns)))
        self.rows += n

    def close(self) -> None:
        self._fh.close()


class _CsvFile(_EntityFile):
    def __init__(self, path: Path, entity: str) -> None:
        super().__init__(path, entity)
        self._fh: IO[str] = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._fh)  # RFC 4180 CRLF: fields holding CR or LF get quoted
        self._csv.writerow(list(self.kinds))

    def write(self, records: list[dict[str, Any]]) -> None:
        items = list(self.kinds.items())
        simple = {"str", "int"}
        rows = [
            [
                (r[name] if kind in simple else csv_cell(r[name], kind))
                if r[name] is not None
                else ""
                for name, kind in items
            ]
            for r in records
        ]
        self._csv.writerows(rows)
        self.rows += len(records)

    def write_columns(self, columns: dict[str, np.ndarray]) -> None:
        """Cells column by column, rows zipped on the fly: no record dicts, no per-cell calls.

        The csv module writes ``None`` as an empty field, ``str`` and ``int`` as themselves
        and a ``float`` as its ``repr``: exactly what ``write`` writes for those kinds.
        """
        cells = []
        for name, values in column_lists(self.entity, columns).items():
            kind = self.kinds[name]
            if kind == "bool":
                values = _BOOL_CELLS[np.asarray(columns[name], dtype=bool).astype(np.intp)].tolist()
            elif kind in ("strlist", "json"):
                values = [csv_cell(v, kind) for v in values]
            cells.append(values)
        n = len(cells[0]) if cells else 0
        self._csv.writerows(zip(*cells, strict=True))
        self.rows += n

    def close(self) -> None:
        self._fh.close()


def dictionary_columns(entity: str) -> list[str]:
    """The columns of ``entity`` whose values repeat: the only ones a part dictionary-encodes.

    Parquet's default dictionary-encodes every column, falling back to plain pages once a
    dictionary grows too big: for the entity's key, amounts and timestamps that hash table is
    waste (writing a 500,000-row transactions part: 0.33 -> 0.24 CPU-s, 10% smaller)."""
    kinds = list(field_kinds(entity).items())
    return [name for name, kind in kinds[1:] if kind not in ("float", "datetime")]


def part_options(entity: str) -> dict[str, Any]:
    """Parquet options of a part: ``dictionary_columns``, and statistics only for non-text
    columns (min/max of ids and names prune nothing; they were 13% of writing a part)."""
    stats = [name for name, kind in field_kinds(entity).items() if kind != "str"]
    return {"use_dictionary": dictionary_columns(entity), "write_statistics": stats}


class _ParquetFile(_EntityFile):
    def __init__(self, path: Path, entity: str, *, tuned: bool = False) -> None:
        """``tuned``: ``part_options`` (parted datasets; single files keep their bytes)."""
        super().__init__(path, entity)
        pa = require_pyarrow()
        import pyarrow.parquet as pq

        self._pa = pa
        types = {
            "str": pa.string(),
            "optstr": pa.string(),
            "bool": pa.bool_(),
            "float": pa.float64(),
            "int": pa.int64(),
            "date": pa.date32(),
            "datetime": pa.timestamp("s"),
            "strlist": pa.list_(pa.string()),
            "json": pa.string(),
        }
        self.schema = pa.schema([(name, types[kind]) for name, kind in self.kinds.items()])
        options = part_options(entity) if tuned else {}
        # zstd at Arrow's default level (1): lz4 writes a 500,000-row part 20% faster but 60%
        # bigger, snappy is slower and bigger, zstd level 3 is 40% slower for 3% less.
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd", **options)

    def write(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        pa = self._pa
        arrays = []
        for field in self.schema:
            name = field.name
            kind = self.kinds[name]
            values = [r[name] for r in records]
            if kind in ("date", "datetime"):
                arrays.append(pa.array(values, pa.string()).cast(field.type))
            elif kind == "json":
                dumps, opt = orjson.dumps, orjson.OPT_SORT_KEYS
                arrays.append(
                    pa.array([dumps(v, option=opt).decode() for v in values], pa.string())
                )
            else:
                arrays.append(pa.array(values, field.type))
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += len(records)

    def write_columns(self, columns: dict[str, np.ndarray]) -> None:
        n = len(next(iter(columns.values()))) if columns else 0
        if not n or "json" in self.kinds.values() or "strlist" in self.kinds.values():
            super().write_columns(columns)
            return
        pa = self._pa
        arrays = [
            ascii_column(columns[f.name], pa)
            if columns[f.name].dtype.kind == "S"
            else pa.array(columns[f.name], f.type, from_pandas=False)
            for f in self.schema
        ]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += n

    def close(self) -> None:
        self._writer.close()


_FILE_TYPES: dict[str, type[_EntityFile]] = {
    "jsonl": _JsonlFile,
    "csv": _CsvFile,
    "parquet": _ParquetFile,
}


class DatasetWriter:
    """Writes one dataset directory; every entity file exists even when it stays empty.

    Use as a context manager or call ``close(manifest_extra)``: the manifest is written last,
    so a directory with a manifest is a complete dataset.
    """

    def __init__(self, directory: str | Path, fmt: str = "jsonl") -> None:
        self.format = check_format(fmt)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, _EntityFile] = {}
        try:
            for entity in ENTITIES:
                path = self.directory / file_name(entity, fmt)
                self._files[entity] = _FILE_TYPES[fmt](path, entity)
        except BaseException:
            self._close_files()
            raise
        self._closed = False

    @property
    def counts(self) -> dict[str, int]:
        return {entity: f.rows for entity, f in self._files.items()}

    def write_records(self, entity: str, records: list[dict[str, Any]]) -> None:
        """Append JSON-native records (``model_dump(mode="json")`` shape)."""
        if records:
            self._files[entity].write(records)

    def write_columns(self, entity: str, columns: dict[str, np.ndarray]) -> None:
        """Append a generator's columns (column names = model field names)."""
        self._files[entity].write_columns(columns)

    def write_models(self, entity: str, models: Iterable[BaseModel]) -> None:
        self.write_records(entity, records_from_models(models))

    def _close_files(self) -> None:
        for f in self._files.values():
            f.close()

    def close(self, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
        """Close the files and write ``manifest.json`` (``manifest`` adds or overrides keys)."""
        if self._closed:
            raise RuntimeError("dataset writer already closed")
        self._closed = True
        self._close_files()
        content: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "format": self.format,
            "files": {entity: file_name(entity, self.format) for entity in ENTITIES},
            "counts": self.counts,
        }
        content.update(manifest or {})
        write_manifest(self.directory, content)
        return content

    def abort(self) -> None:
        """Close the files without a manifest (the caller removes the directory)."""
        if not self._closed:
            self._closed = True
            self._close_files()


def write_manifest(directory: Path, content: dict[str, Any]) -> None:
    data = orjson.dumps(content, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    (directory / MANIFEST).write_bytes(data)


def part_name(entity: str, chunk: int, fmt: str) -> str:
    """Where chunk ``chunk``'s part of ``entity`` lives inside a parted dataset."""
    return f"{entity}/part-{chunk:05d}.{fmt}"


class PartWriter:
    """One chunk's part files of a parted dataset, one per entity (empty ones too).

    Parts depend only on the rows written to them, so a dataset assembled from parts written
    by any number of processes, in any order, has the same bytes."""

    def __init__(self, directory: str | Path, fmt: str, chunk: int) -> None:
        self.format = check_format(fmt)
        self.directory = Path(directory)
        self.chunk = chunk
        self._files: dict[str, _EntityFile] = {}
        try:
            for entity in ENTITIES:
                path = self.directory / part_name(entity, chunk, fmt)
                path.parent.mkdir(parents=True, exist_ok=True)
                if fmt == "parquet":
                    self._files[entity] = _ParquetFile(path, entity, tuned=True)
                else:
                    self._files[entity] = _FILE_TYPES[fmt](path, entity)
        except BaseException:
            self.abort()
            raise

    def write_columns(self, entity: str, columns: dict[str, np.ndarray]) -> None:
        """Append columns; ASCII (``S``) columns are strings (``chunks`` makes id columns so)."""
        if self.format != "parquet":
            columns = {k: str_objects(v) if v.dtype.kind == "S" else v for k, v in columns.items()}
        self._files[entity].write_columns(columns)

    def close(self) -> dict[str, int]:
        """Close every part; rows written per entity."""
        for f in self._files.values():
            f.close()
        return {entity: f.rows for entity, f in self._files.items()}

    def abort(self) -> None:
        for f in self._files.values():
            f.close()
