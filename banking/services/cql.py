"""Just enough of Cassandra's native protocol (v4) to ask a node whether it has joined its ring.

The services need two facts per node: does it answer CQL, and what does it know of the ring
(its own bootstrap state in ``system.local``, the other members in ``system.peers``). A driver
package for that would be a new dependency of ``banking services status``; the protocol for a
STARTUP and one unpaged QUERY of text and inet columns is a few frames, so it lives here.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass

VERSION = 0x04
OP_ERROR, OP_STARTUP, OP_READY, OP_QUERY, OP_RESULT = 0x00, 0x01, 0x02, 0x07, 0x08
RESULT_ROWS = 0x0002
CONSISTENCY_ONE = 0x0001
_GLOBAL_TABLES_SPEC, _HAS_MORE_PAGES, _NO_METADATA = 0x0001, 0x0002, 0x0004
_INET, _VARCHAR, _ASCII = 0x0010, 0x000D, 0x0001


class CqlError(Exception):
    """The node refused the connection, a request, or answered something unexpected."""


@dataclass(frozen=True)
class RingView:
    """One node's answer: its bootstrap state and the peers it knows."""

    bootstrapped: str
    peers: tuple[str, ...]

    @property
    def joined(self) -> bool:
        return self.bootstrapped == "COMPLETED"


def _frame(opcode: int, body: bytes, stream: int = 0) -> bytes:
    return struct.pack(">BBhBI", VERSION, 0, stream, opcode, len(body)) + body


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">H", len(raw)) + raw


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CqlError("truncated CQL frame")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def short(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def string(self) -> str:
        return self.take(self.short()).decode(errors="replace")

    def bytes(self) -> bytes | None:
        n = self.int()
        return None if n < 0 else self.take(n)


def _recv(sock: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise CqlError("connection closed by the node")
        out += chunk
    return out


def _request(sock: socket.socket, opcode: int, body: bytes) -> tuple[int, bytes]:
    sock.sendall(_frame(opcode, body))
    _, _, _, op, length = struct.unpack(">BBhBI", _recv(sock, 9))
    payload = _recv(sock, length)
    if op == OP_ERROR:
        reader = _Reader(payload)
        code = reader.int()
        raise CqlError(f"CQL error {code:#x}: {reader.string()}")
    return op, payload


def _rows(payload: bytes) -> list[list[str | None]]:
    """Text and inet columns of a ROWS result."""
    reader = _Reader(payload)
    if reader.int() != RESULT_ROWS:
        raise CqlError("not a ROWS result")
    flags, columns = reader.int(), reader.int()
    if flags & _HAS_MORE_PAGES:
        reader.bytes()
    types = []
    if not flags & _NO_METADATA:
        if flags & _GLOBAL_TABLES_SPEC:
            reader.string(), reader.string()
        for _ in range(columns):
            if not flags & _GLOBAL_TABLES_SPEC:
                reader.string(), reader.string()
            reader.string()
            kind = reader.short()
            if kind not in (_INET, _VARCHAR, _ASCII):
                raise CqlError(f"column type {kind:#x} not supported here")
            types.append(kind)
    rows = []
    for _ in range(reader.int()):
        row: list[str | None] = []
        for kind in types:
            raw = reader.bytes()
            if raw is None:
                row.append(None)
            elif kind == _INET:
                row.append(str(ipaddress.ip_address(raw)))
            else:
                row.append(raw.decode(errors="replace"))
        rows.append(row)
    return rows


def _query(sock: socket.socket, cql: str) -> bytes:
    raw = cql.encode()
    body = struct.pack(">I", len(raw)) + raw  # [long string]
    body += struct.pack(">HB", CONSISTENCY_ONE, 0)
    op, payload = _request(sock, OP_QUERY, body)
    if op != OP_RESULT:
        raise CqlError(f"unexpected answer opcode {op:#x}")
    return payload


def query(sock: socket.socket, cql: str) -> list[list[str | None]]:
    """Rows of one unpaged query at consistency ONE (text and inet columns only)."""
    return _rows(_query(sock, cql))


def execute(sock: socket.socket, cql: str) -> None:
    """Run a statement whose answer is no rows (DDL: the coordinator has applied it)."""
    _query(sock, cql)


def connect(host: str, port: int, timeout: float = 3.0) -> socket.socket:
    """A socket past STARTUP (the caller closes it); CqlError or OSError if the node does not
    answer."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.settimeout(timeout)
        startup = struct.pack(">H", 1) + _string("CQL_VERSION") + _string("3.0.0")
        op, _ = _request(sock, OP_STARTUP, startup)
        if op != OP_READY:
            raise CqlError(f"node did not accept STARTUP (opcode {op:#x})")
    except BaseException:
        sock.close()
        raise
    return sock


def ring_view(host: str, port: int, timeout: float = 3.0) -> RingView:
    """What the node at host:port says of itself and its peers; CqlError or OSError if it
    does not answer."""
    with connect(host, port, timeout) as sock:
        local = query(sock, "SELECT bootstrapped FROM system.local")
        peers = query(sock, "SELECT peer FROM system.peers")
    state = (local[0][0] if local else None) or "UNKNOWN"
    return RingView(state, tuple(sorted(p[0] for p in peers if p[0])))


def answers(host: str, port: int, timeout: float = 3.0) -> RingView | None:
    """The node's ring view, or None when it does not answer CQL."""
    try:
        return ring_view(host, port, timeout)
    except (OSError, CqlError):
        return None
