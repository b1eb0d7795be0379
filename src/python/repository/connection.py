"""One reused Gremlin Server connection with bounded waits, retries and a request counter.

gremlinpython's ``DriverRemoteConnection`` waits without limit on a server that accepts the
TCP connection but never answers, and keeps a broken socket in its pool after a failure. This
wrapper submits traversal bytecode through a single-connection ``Client`` whose handshake, reads
and writes all have timeouts, rebuilds the client after a transport failure, retries transient
failures with exponential backoff, and turns "still failing" into ``GraphUnavailable``. Server
side errors (a bad traversal) are not retried: repeating them cannot help.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlparse

import aiohttp
from gremlin_python.driver.aiohttp.transport import AiohttpTransport
from gremlin_python.driver.client import Client
from gremlin_python.driver.protocol import GremlinServerError
from gremlin_python.driver.request import RequestMessage
from gremlin_python.driver.serializer import GraphBinarySerializersV1
from gremlin_python.process.traversal import Bytecode, Traverser

from banking.errors import UsageError
from banking_repository.errors import GraphQueryError, GraphUnavailable
from banking_repository.fast_writer import FastGraphBinaryWriter

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


class _BoundedTransport(AiohttpTransport):
    """The aiohttp transport with a bounded websocket handshake (the stock one can wait minutes)."""

    def __init__(self, connect_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connect_timeout_s = connect_timeout_s

    def connect(self, url: str, headers: Any = None) -> None:
        async def handshake() -> None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self._connect_timeout_s, sock_connect=self._connect_timeout_s
            )
            self._client_session = aiohttp.ClientSession(loop=self._loop, timeout=timeout)
            self._websocket = await self._client_session.ws_connect(
                url, **self._aiohttp_kwargs, headers=headers
            )

        self._loop.run_until_complete(handshake())


class _AheadSerializer(GraphBinarySerializersV1):
    """GraphBinary serialiser that can encode a request before it is sent, so that a batched
    write encodes its next request while the server runs the current one."""

    def __init__(self) -> None:
        super().__init__(writer=FastGraphBinaryWriter())
        self._encoded: dict[str, bytes] = {}

    def encode_ahead(self, request: RequestMessage) -> None:
        request_id = request.args["requestId"]
        self._encoded[request_id] = super().serialize_message(request_id, request)

    def serialize_message(self, request_id: str, request_message: RequestMessage) -> bytes:
        encoded = self._encoded.pop(request_id, None)
        if encoded is not None:
            return encoded
        return super().serialize_message(request_id, request_message)

    def forget(self, request: RequestMessage) -> None:
        self._encoded.pop(request.args["requestId"], None)

    def discard(self) -> None:
        self._encoded.clear()


class _Client(Client):
    """``Client`` that sends prepared bytecode requests, minus the eager ``str(message)`` of
    its debug log, which renders a whole batch of rows as text on every request even with
    logging off."""

    def request(self, bytecode: Bytecode) -> RequestMessage:
        args = {
            "gremlin": bytecode,
            "aliases": {"g": self._traversal_source},
            # Set here, not at sending, so the request can be encoded ahead under its id.
            "requestId": str(uuid.uuid4()),
        }
        return RequestMessage(processor="traversal", op="bytecode", args=args)

    def send(self, request: RequestMessage) -> Future:
        if self.is_closed():
            raise RuntimeError("Client is closed")
        return self._pool.get(True).write(request)


class GremlinConnection:
    """Submits bytecode to one server; thread-safe (requests are serialised on one socket)."""

    def __init__(
        self,
        url: str,
        traversal_source: str = "g",
        *,
        timeout_s: float = 30.0,
        connect_timeout_s: float = 2.0,
        retries: int = 3,
        backoff_s: float = 0.1,
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
        self._client: _Client | None = None
        self._lock = threading.RLock()
        # One serialiser for the connection's life (its writer caches encoded map keys).
        self._serializer = _AheadSerializer()
        self._ahead: tuple[Bytecode, RequestMessage] | None = None

    def submit(self, bytecode: Bytecode, *, retries: int | None = None) -> list[Any]:
        """Results of one traversal (bulk expanded); retried on transport failures."""
        with self._lock:
            return self._submit(bytecode, retries)

    def submit_each(self, bytecodes: Iterable[Bytecode]) -> Iterator[list[Any]]:
        """Results of each traversal in turn, as ``submit`` gives them. Still one request at a
        time, each sent once the one before it has answered; but while the server runs one,
        the next is encoded, so the client's encoding no longer adds to the wall time."""
        pending = iter(bytecodes)
        current = next(pending, None)
        while current is not None:
            with self._lock:
                following = next(pending, None)
                results = self._submit(current, None, following)
            yield results
            current = following

    def close(self) -> None:
        with self._lock:
            self._drop_client()

    def _submit(
        self, bytecode: Bytecode, retries: int | None, following: Bytecode | None = None
    ) -> list[Any]:
        attempts = 1 + (self._retries if retries is None else max(0, retries))
        last: BaseException | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                return self._submit_once(bytecode, following)
            except GremlinServerError as exc:
                raise GraphQueryError(f"Gremlin Server rejected the traversal: {exc}") from exc
            except (struct.error, TypeError, ValueError) as exc:
                raise GraphQueryError(f"cannot serialise the request: {exc}") from exc
            except TimeoutError as exc:
                # The request may still be running on the server: sending it again would
                # pile work onto a server that is already too slow. The timeout is the bound.
                self._drop_client()
                raise GraphUnavailable(
                    f"Gremlin Server at {self.url} did not answer within {self._timeout_s} s"
                ) from exc
            except TRANSIENT_ERRORS as exc:
                last = exc
                self._drop_client()
        reason = f"{type(last).__name__}: {last}" if last else "no answer"
        raise GraphUnavailable(
            f"Gremlin Server at {self.url} is unavailable after {attempts} attempt(s) ({reason})"
        ) from last

    def _submit_once(self, bytecode: Bytecode, following: Bytecode | None = None) -> list[Any]:
        client = self._ensure_client()
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] is bytecode:
            request = ahead[1]
        else:
            if ahead is not None:  # encoded for a call that did not come (an error between)
                self._serializer.forget(ahead[1])
            request = client.request(bytecode)
        self.request_count += 1
        sent = client.send(request)
        if following is not None:
            # Encoded while the server works on this request; sent by the next call. Should
            # encoding fail, the next call encodes it again on the plain path, and fails there.
            with contextlib.suppress(struct.error, TypeError, ValueError):
                request = client.request(following)
                self._serializer.encode_ahead(request)
                self._ahead = (following, request)
        result_set = sent.result(timeout=self._timeout_s)
        raw = result_set.all().result(timeout=self._timeout_s)
        results: list[Any] = []
        for item in raw:
            if isinstance(item, Traverser):
                results.extend([item.object] * int(item.bulk))
            else:
                results.append(item)
        return results

    def _ensure_client(self) -> _Client:
        if self._client is None:
            # A plain TCP probe first: it fails fast and cleanly on a closed or filtered port.
            try:
                with socket.create_connection((self._host, self._port), self._connect_timeout_s):
                    pass
            except TimeoutError as exc:  # retried like a refused connection, not a slow query
                message = f"connect timed out after {self._connect_timeout_s} s"
                raise ConnectionError(message) from exc
            timeout = self._timeout_s
            connect_timeout = self._connect_timeout_s
            self._client = _Client(
                self.url,
                self._source,
                pool_size=1,
                message_serializer=self._serializer,
                transport_factory=lambda: _BoundedTransport(
                    connect_timeout,
                    read_timeout=timeout,
                    write_timeout=timeout,
                    max_msg_size=MAX_MESSAGE_BYTES,
                ),
                max_content_length=MAX_MESSAGE_BYTES,
            )
        return self._client

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        self._ahead = None
        self._serializer.discard()
        if client is not None:
            # A broken client may fail to close; it is discarded either way.
            with contextlib.suppress(Exception):
                client.close()
