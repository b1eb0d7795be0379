"""A faster GraphBinary writer for the value types upsert batches are made of.

gremlinpython's writer resolves an aenum value and calls several helpers per value; encoding
was still a third of the client's CPU time in a load (docs/performance/graph.md, "What the
profiles showed"), though a load's wall time is mostly the client waiting for the server. This
writer emits byte-identical output for str, int, long, float, bool, dict and list directly (and
writes a plain int beyond 32 bits as a long where the stock writer fails), caches the bytes of
enum tokens (``T.label``, ``Direction.OUT``, ``Merge.outV``), and hands every other type to the
stock writer. An :class:`~banking_repository.upserts.UpsertRows` argument is encoded as its
``items()`` straight from the rows, without building them.
``tests/unit/repository`` checks the byte equality.
"""

from __future__ import annotations

import struct
from enum import Enum
from typing import Any

from gremlin_python.process.traversal import T
from gremlin_python.statics import long
from gremlin_python.structure.io.graphbinaryV1 import GraphBinaryWriter

from banking_repository.upserts import CREATE, ENDPOINT_DIRECTIONS, KEY, UpsertRows

_INT32 = struct.Struct(">i").pack
_INT64 = struct.Struct(">q").pack
_DOUBLE = struct.Struct(">d").pack

# Fully-qualified headers: type code + "not null" flag.
_STRING = b"\x03\x00"
_INT = b"\x01\x00"
_LONG = b"\x02\x00"
_DOUBLE_HEADER = b"\x07\x00"
_TRUE = b"\x27\x00\x01"
_FALSE = b"\x27\x00\x00"
_MAP = b"\x0a\x00"
_LIST = b"\x09\x00"
_NULL = b"\xfe\x01"
_COUNT_PLACEHOLDER = b"\x00\x00\x00\x00"

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class FastGraphBinaryWriter(GraphBinaryWriter):
    """Drop-in ``GraphBinaryWriter`` with a fast path for plain data; per instance enum cache."""

    def __init__(self, serializer_map: Any = None) -> None:
        super().__init__(serializer_map)
        self._enum_bytes: dict[Any, bytes] = {}
        self._key_bytes: dict[Any, bytes] = {}

    def to_dict(self, obj: Any, to_extend: bytearray | None = None) -> Any:
        if to_extend is None:
            to_extend = bytearray()
        kind = type(obj)
        if kind is str:
            data = obj.encode("utf-8")
            to_extend += _STRING
            to_extend += _INT32(len(data))
            to_extend += data
        elif kind is float:
            to_extend += _DOUBLE_HEADER
            to_extend += _DOUBLE(obj)
        elif kind is bool:
            to_extend += _TRUE if obj else _FALSE
        elif kind is int and _INT32_MIN <= obj <= _INT32_MAX:
            to_extend += _INT
            to_extend += _INT32(obj)
        elif (kind is int or kind is long) and _INT64_MIN <= obj <= _INT64_MAX:
            # A plain int beyond 32 bits (epoch millis) travels as a long, as ``long(obj)``
            # would; the stock writer fails on it instead.
            to_extend += _LONG
            to_extend += _INT64(obj)
        elif kind is dict:
            to_extend += _MAP
            to_extend += _INT32(len(obj))
            keys = self._key_bytes
            for key, value in obj.items():
                # Map keys repeat in every row of a batch: encode each one once.
                to_extend += keys.get(key) or self._key(key)
                self.to_dict(value, to_extend)
        elif kind is list:
            to_extend += _LIST
            to_extend += _INT32(len(obj))
            for item in obj:
                self.to_dict(item, to_extend)
        elif kind is UpsertRows:
            self._write_rows(obj, to_extend)
        elif obj is None:
            to_extend += _NULL
        elif isinstance(obj, Enum):
            cached = self._enum_bytes.get(obj)
            if cached is None:
                buffer = bytearray()
                super().to_dict(obj, buffer)
                cached = self._enum_bytes[obj] = bytes(buffer)
            to_extend += cached
        else:
            return super().to_dict(obj, to_extend)
        return to_extend

    def _key(self, key: Any) -> bytes:
        """A map key's bytes, kept for str and enum keys (bounded: keys are few in practice)."""
        keys = self._key_bytes
        encoded = keys.get(key)
        if encoded is None:
            encoded = bytes(self.to_dict(key, bytearray()))
            if (type(key) is str or isinstance(key, Enum)) and len(keys) < 4096:
                keys[key] = encoded
        return encoded

    def _write_rows(self, batch: UpsertRows, out: bytearray) -> None:
        """``batch.items()`` encoded from the rows: the fixed bytes of a row's two maps are
        built once per batch, and each create map's entry count is patched in after its
        entries (None values and skipped keys are only known while writing)."""
        key_bytes, keys, write = self._key, self._key_bytes, self.to_dict
        skip, endpoints = batch.skip, batch.endpoints
        row_head = _MAP + _INT32(2) + key_bytes(KEY) + _MAP + _INT32(1) + key_bytes(batch.search)
        create_head = key_bytes(CREATE) + _MAP
        label = key_bytes(T.label) + write(batch.label, bytearray())
        directions = [key_bytes(d) for d in ENDPOINT_DIRECTIONS[: len(endpoints)]]
        endpoint_keys = list(zip(directions, endpoints, strict=True))
        fixed = 1 + len(endpoints)
        out += _LIST
        out += _INT32(len(batch.rows))
        for row in batch.rows:
            out += row_head
            write(row[batch.key], out)
            out += create_head
            at = len(out)
            out += _COUNT_PLACEHOLDER
            out += label
            for token, name in endpoint_keys:
                out += token
                write(row[name], out)
            count = fixed
            for key, value in row.items():
                if value is None or key in skip:
                    continue
                out += keys.get(key) or key_bytes(key)
                if type(value) is str:
                    data = value.encode("utf-8")
                    out += _STRING
                    out += _INT32(len(data))
                    out += data
                else:
                    write(value, out)
                count += 1
            out[at : at + 4] = _INT32(count)
