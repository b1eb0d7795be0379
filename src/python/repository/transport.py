"""The wire under ``GremlinConnection``: a websocket transport whose handshake is bounded and
whose close always finishes, and a ``Client`` that sends prepared bytecode requests.

gremlinpython's stock transport can wait minutes for a handshake and leaves its session and
event loop to the garbage collector when closing fails; its client renders every request as
text for a debug log nobody reads. ``connection.py`` builds one of each per request slot.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import uuid
import weakref
from concurrent.futures import Future
from typing import Any

import aiohttp
from gremlin_python.driver.aiohttp.transport import AiohttpTransport
from gremlin_python.driver.client import Client
from gremlin_python.driver.request import RequestMessage
from gremlin_python.process.traversal import Bytecode

# How long closing a websocket may wait for the server's goodbye (a dead server sends none).
CLOSE_TIMEOUT_S = 2.0

# Every transport not yet closed, so that none is left to the garbage collector at exit.
_OPEN_TRANSPORTS: weakref.WeakSet[BoundedTransport] = weakref.WeakSet()


class BoundedTransport(AiohttpTransport):
    """The aiohttp transport with a bounded websocket handshake (the stock one can wait minutes)
    and a close that always finishes.

    The stock ``close`` stops at the first error (closing the websocket of a server that died
    raises), and a failed handshake leaves its session open: the aiohttp session and the event
    loop are then left to the garbage collector, which at interpreter exit prints "Unclosed
    client session" and ``Exception ignored ... Invalid file descriptor: -1`` after the CLI's
    one-line error. Here every close releases the websocket, the session and the loop, and
    never raises.
    """

    def __init__(self, connect_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connect_timeout_s = connect_timeout_s
        _OPEN_TRANSPORTS.add(self)

    def connect(self, url: str, headers: Any = None) -> None:
        async def handshake() -> None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=self._connect_timeout_s, sock_connect=self._connect_timeout_s
            )
            self._client_session = aiohttp.ClientSession(loop=self._loop, timeout=timeout)
            self._websocket = await self._client_session.ws_connect(
                url, **self._aiohttp_kwargs, headers=headers
            )

        try:
            self._loop.run_until_complete(handshake())
        except BaseException:
            self.close()  # a failed handshake keeps nothing open
            raise

    def close(self) -> None:
        loop = getattr(self, "_loop", None)
        # A loop running in another thread (a read in progress) is closed by the next close,
        # once that thread is done: the client's close waits for it, see
        # GremlinConnection._drop_clients.
        if loop is None or loop.is_closed() or loop.is_running():
            return
        try:
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._release())
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            _OPEN_TRANSPORTS.discard(self)

    async def _release(self) -> None:
        websocket, session = self._websocket, self._client_session
        if websocket is not None and not websocket.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(websocket.close(), CLOSE_TIMEOUT_S)
        if session is not None and not session.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.close(), CLOSE_TIMEOUT_S)
        # Whatever aiohttp left scheduled (a reader of the dead socket) ends here, not in a
        # "Task was destroyed but it is pending" at exit.
        current = asyncio.current_task()
        leftover = [t for t in asyncio.all_tasks() if t is not current]
        for task in leftover:
            task.cancel()
        if leftover:
            await asyncio.gather(*leftover, return_exceptions=True)


@atexit.register
def _close_open_transports() -> None:
    """Close what a caller left open (a repository never closed) before the interpreter's
    teardown would, noisily. Runs after the executors' threads have been joined."""
    for transport in list(_OPEN_TRANSPORTS):
        with contextlib.suppress(Exception):
            transport.close()


class BytecodeClient(Client):
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
