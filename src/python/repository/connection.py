"""One reused Gremlin Server connection with bounded waits, retries and a request counter.

gremlinpython's ``DriverRemoteConnection`` waits without limit on a server that accepts the
TCP connection but never answers, and keeps a broken socket in its pool after a failure. This
wrapper submits traversal bytecode through single-connection ``Client``s (one for single
requests; with ``in_flight=2`` a batched write keeps a second request in flight on a second,
see ``submit_each``) whose handshake, reads and writes all have timeouts, rebuilds them after
a transport failure, retries transient failures with exponential backoff, and turns "still
failing" into ``GraphUnavailable``. Server side errors (a bad traversal) are not retried:
repeating them cannot help; only a storage failure the server marks temporary is. The
bounded transport and the bytecode client are in ``transport.py``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlparse

import aiohttp
from gremlin_python.driver.protocol import GremlinServerError
from gremlin_python.driver.resultset import ResultSet
from gremlin_python.driver.serializer import GraphBinarySerializersV1
from gremlin_python.process.traversal import Bytecode, Traverser

from banking.errors import UsageError
from banking_repository.errors import GraphQueryError, GraphUnavailable
from banking_repository.fast_writer import FastGraphBinaryWriter
from banking_repository.transport import CLOSE_TIMEOUT_S as CLOSE_TIMEOUT_S  # re-exported
from banking_repository.transport import BoundedTransport, BytecodeClient

# Failures to reach the server (not of the traversal, not a timeout): worth a reconnect and a
# retry. Connection-level timeouts (the TCP probe) are OSErrors too and are retried.
TRANSIENT_ERRORS = (OSError, aiohttp.ClientError, RuntimeError)

MAX_MESSAGE_BYTES = 256 * 1024 * 1024


def _not_a_server_error(record: logging.LogRecord) -> bool:
    return "Received error message" not in str(record.msg)


@contextlib.contextmanager
def quiet_server_errors() -> Iterator[None]:
    """Silence gremlinpython's error log of a server-side failure that the caller expects and
    handles (the failure still raises ``GraphQueryError``)."""
    logger = logging.getLogger("gremlinpython")
    logger.addFilter(_not_a_server_error)
    try:
        yield
    finally:
        logger.removeFilter(_not_a_server_error)


def _expand(raw: list[Any]) -> list[Any]:
    """A response's traversers as plain results, bulk expanded."""
    results: list[Any] = []
    for item in raw:
        if isinstance(item, Traverser):
            results.extend([item.object] * int(item.bulk))
        else:
            results.append(item)
    return results


# Gremlin Server's status for a request it cannot route (REQUEST_ERROR_INVALID_REQUEST_ARGUMENTS);
# with "not configured" it means the traversal source does not exist: on JanusGraph, the graph
# failed to open (its server listens anyway and answers every request so).
NO_TRAVERSAL_SOURCE = 499


# A server error that is no fault of the traversal and did not apply it: TinkerPop's status for
# an exception marked temporary (SERVER_ERROR_TEMPORARY), or JanusGraph's storage layer naming a
# temporary failure (a Cassandra node lost or too slow under a write, QUORUM not yet reached).
# Every request of the repository is an idempotent upsert, delete or read: sent again, with the
# usual retries and backoff.
SERVER_ERROR_TEMPORARY = 596
TEMPORARY_MARKERS = ("TemporaryBackendException", "TemporaryLockingException")


def _temporary(exc: GremlinServerError) -> bool:
    message = getattr(exc, "status_message", "") or str(exc)
    code = getattr(exc, "status_code", None)
    return code == SERVER_ERROR_TEMPORARY or any(m in message for m in TEMPORARY_MARKERS)


def _first_line(exc: BaseException, limit: int = 300) -> str:
    """``Type: message`` on one line (a server's message may carry a Java stack trace)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:limit] if lines else ''}"


def _rejected(exc: GremlinServerError, url: str) -> GraphQueryError | GraphUnavailable:
    """A server-side error: the traversal's fault (``GraphQueryError``), or no graph to run it
    on (``GraphUnavailable``, with the server's message; retrying would not help either)."""
    message = getattr(exc, "status_message", "") or str(exc)
    if getattr(exc, "status_code", None) == NO_TRAVERSAL_SOURCE and "not configured" in message:
        return GraphUnavailable(f"Gremlin Server at {url} serves no graph: {message}")
    return GraphQueryError(f"Gremlin Server rejected the traversal: {exc}")


class _InFlight:
    """A request sent and not yet read (``result_set`` None: to be sent again, synchronously)."""

    __slots__ = ("bytecode", "result_set")

    def __init__(self, bytecode: Bytecode, result_set: ResultSet | None) -> None:
        self.bytecode = bytecode
        self.result_set = result_set

    def wait_quietly(self, timeout_s: float) -> None:
        if self.result_set is not None:
            with contextlib.suppress(Exception):
                self.result_set.all().result(timeout=timeout_s)


class GremlinConnection:
    """Submits bytecode to one server; thread-safe (a lock guards sending and reconnecting;
    single requests share one socket, a batched write's requests take the slots in turn)."""

    def __init__(
        self,
        url: str,
        traversal_source: str = "g",
        *,
        timeout_s: float = 30.0,
        connect_timeout_s: float = 2.0,
        retries: int = 3,
        backoff_s: float = 0.1,
        in_flight: int = 1,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("ws", "wss") or not parsed.hostname:
            raise UsageError(
                f"not a Gremlin websocket URL: {url!r} (expected ws://HOST:PORT/gremlin)"
            )
        self.url = url
        self.request_count = 0
        self._host = parsed.hostname
        self._port = parsed.port or (443 if parsed.scheme == "wss" else 8182)
        self._source = traversal_source
        self._timeout_s = timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        if in_flight < 1:
            raise UsageError(f"in_flight must be >= 1, not {in_flight}")
        # Requests of one submit_each on the wire at once (one connection each): two keep the
        # server busy, decoding the next request while it runs the current one, but are safe
        # only on a server running one traversal at a time (gremlinPool: 1); 1 by default.
        self._in_flight = in_flight
        # One single-connection client per request slot, opened when first needed: single
        # requests always use the first, so they never meet a cold second connection.
        self._clients: list[BytecodeClient | None] = [None] * in_flight
        # The transports each slot's client has made: closed with it, even one whose
        # connection a failure kept out of the client's pool (Client.close skips those).
        self._transports: list[list[BoundedTransport]] = [[] for _ in range(in_flight)]
        self._lock = threading.RLock()
        # One serialiser for the connection's life (its writer caches encoded map keys).
        self._serializer = GraphBinarySerializersV1(writer=FastGraphBinaryWriter())

    def submit(self, bytecode: Bytecode, *, retries: int | None = None) -> list[Any]:
        """Results of one traversal (bulk expanded); retried on transport failures."""
        with self._lock:
            return self._submit(bytecode, retries)

    def submit_each(
        self, bytecodes: Iterable[Bytecode], *, ordered: bool = False
    ) -> Iterator[list[Any]]:
        """Results of each traversal in turn, as ``submit`` gives them, with up to
        ``in_flight`` requests on the wire: the next one is on the wire while the server runs
        the current one, so the server decodes it meanwhile and never waits for the client.

        Requests in flight together travel on different connections, so the server may run
        them in either order: only traversals that commute (writes of distinct elements) may
        go this way; ``ordered=True`` sends each once the one before has answered. Gremlin
        Server runs one traversal at a time (``gremlinPool: 1``, see
        ``banking.services.render``), so they never run at once. If a request fails on the
        server, the ones sent after it are waited for (they may have been applied) before the
        error is raised. If the connection fails, the requests in flight are sent again, one at
        a time, with the usual retries."""
        in_flight = 1 if ordered else self._in_flight
        pending = iter(bytecodes)
        window: deque[_InFlight] = deque()
        exhausted = False
        sent = 0
        while True:
            while not exhausted and len(window) < in_flight:
                bytecode = next(pending, None)
                if bytecode is None:
                    exhausted = True
                else:
                    # Slots in turn: the slot's previous request has been read by now.
                    window.append(self._start(bytecode, sent % in_flight))
                    sent += 1
            if not window:
                return
            yield self._finish(window.popleft(), window)

    def _start(self, bytecode: Bytecode, slot: int) -> _InFlight:
        """Send ``bytecode`` and wait until it is written (so a later request cannot overtake
        it); a request that cannot be sent is left to ``_finish``, which retries it."""
        with self._lock:
            try:
                return _InFlight(bytecode, self._send(bytecode, slot))
            except (struct.error, TypeError, ValueError):
                return _InFlight(bytecode, None)  # raised again, as submit() raises it
            except (TimeoutError, *TRANSIENT_ERRORS):
                self._drop_clients()
                return _InFlight(bytecode, None)

    def _finish(self, head: _InFlight, window: deque[_InFlight]) -> list[Any]:
        if head.result_set is None:
            with self._lock:
                return self._submit(head.bytecode, None)
        try:
            return _expand(head.result_set.all().result(timeout=self._timeout_s))
        except GremlinServerError as exc:
            for later in window:  # let them finish; the caller decides what to replay
                later.wait_quietly(self._timeout_s)
            if _temporary(exc):  # all idempotent: the head and the later ones sent again
                for later in window:
                    later.result_set = None
                with self._lock:
                    return self._submit(head.bytecode, None)
            window.clear()
            raise _rejected(exc, self.url) from exc
        except TimeoutError as exc:
            with self._lock:
                self._drop_clients()
            window.clear()
            raise self._no_answer() from exc
        except TRANSIENT_ERRORS:
            with self._lock:
                self._drop_clients()
                for later in window:  # lost with the connection: sent again in turn
                    later.result_set = None
                return self._submit(head.bytecode, None)

    def close(self) -> None:
        with self._lock:
            self._drop_clients()

    def _submit(self, bytecode: Bytecode, retries: int | None) -> list[Any]:
        attempts = 1 + (self._retries if retries is None else max(0, retries))
        last: BaseException | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                return self._submit_once(bytecode)
            except GremlinServerError as exc:
                if not _temporary(exc):
                    raise _rejected(exc, self.url) from exc
                last = exc  # the connection is sound: kept
            except (struct.error, TypeError, ValueError) as exc:
                raise GraphQueryError(f"cannot serialise the request: {exc}") from exc
            except TimeoutError as exc:
                # The request may still be running on the server: sending it again would
                # pile work onto a server that is already too slow. The timeout is the bound.
                self._drop_clients()
                raise self._no_answer() from exc
            except TRANSIENT_ERRORS as exc:
                last = exc
                self._drop_clients()
        reason = _first_line(last) if last else "no answer"
        raise GraphUnavailable(
            f"Gremlin Server at {self.url} is unavailable after {attempts} attempt(s) ({reason})"
        ) from last

    def _submit_once(self, bytecode: Bytecode) -> list[Any]:
        return _expand(self._send(bytecode).all().result(timeout=self._timeout_s))

    def _send(self, bytecode: Bytecode, slot: int = 0) -> ResultSet:
        """Send ``bytecode`` on ``slot``'s connection; returns once it is written. Counted
        then, so an attempt that could not be written and is sent again counts once."""
        client = self._ensure_client(slot)
        written = client.send(client.request(bytecode)).result(timeout=self._timeout_s)
        self.request_count += 1
        return written

    def _no_answer(self) -> GraphUnavailable:
        return GraphUnavailable(
            f"Gremlin Server at {self.url} did not answer within {self._timeout_s} s"
        )

    def _ensure_client(self, slot: int = 0) -> BytecodeClient:
        client = self._clients[slot]
        if client is None:
            # A plain TCP probe first: it fails fast and cleanly on a closed or filtered port.
            try:
                with socket.create_connection((self._host, self._port), self._connect_timeout_s):
                    pass
            except TimeoutError as exc:  # retried like a refused connection, not a slow query
                message = f"connect timed out after {self._connect_timeout_s} s"
                raise ConnectionError(message) from exc
            timeout = self._timeout_s
            connect_timeout = self._connect_timeout_s
            made = self._transports[slot]

            def transport() -> BoundedTransport:
                made.append(
                    BoundedTransport(
                        connect_timeout,
                        read_timeout=timeout,
                        write_timeout=timeout,
                        max_msg_size=MAX_MESSAGE_BYTES,
                    )
                )
                return made[-1]

            client = self._clients[slot] = BytecodeClient(
                self.url,
                self._source,
                pool_size=1,
                message_serializer=self._serializer,
                transport_factory=transport,
                max_content_length=MAX_MESSAGE_BYTES,
            )
        return client

    def _drop_clients(self) -> None:
        """Close every slot's client (a broken connection leaves the others in doubt too)."""
        clients, self._clients = self._clients, [None] * self._in_flight
        transports, self._transports = self._transports, [[] for _ in range(self._in_flight)]
        for client, made in zip(clients, transports, strict=True):
            if client is not None:
                # A broken client may fail to close; it is discarded either way. Its close
                # waits for its reader thread, so every loop it used is idle afterwards.
                with contextlib.suppress(Exception):
                    client.close()
            for transport in made:
                transport.close()
