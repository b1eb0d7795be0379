"""A JanusGraph storage failure the server marks temporary (a Cassandra node lost under a
write) is sent again with backoff and, still failing, is ``GraphUnavailable`` in one line;
any other server error is the traversal's fault and is raised at once. No server needed: the
connection's single request is replaced."""

import pytest
from gremlin_python.driver.protocol import GremlinServerError
from gremlin_python.process.traversal import Bytecode

from banking_repository.connection import GremlinConnection
from banking_repository.errors import GraphQueryError, GraphUnavailable

URL = "ws://127.0.0.1:9/gremlin"
TEMPORARY = (
    "Could not commit transaction due to exception during persistence\n"
    "org.janusgraph.diskstorage.TemporaryBackendException: Could not successfully complete "
    "backend operation due to repeated temporary exceptions after PT4S\n\tat org.janusgraph..."
)


def _error(code: int, message: str) -> GremlinServerError:
    return GremlinServerError({"code": code, "message": message, "attributes": {}})


def _connection(monkeypatch: pytest.MonkeyPatch, errors: list[GremlinServerError]) -> list[int]:
    calls: list[int] = []

    def submit_once(self: GremlinConnection, bytecode: Bytecode) -> list[int]:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return [7]

    monkeypatch.setattr(GremlinConnection, "_submit_once", submit_once)
    return calls


def test_a_temporary_backend_failure_is_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _connection(monkeypatch, [_error(500, TEMPORARY), _error(596, "timed out")])
    conn = GremlinConnection(URL, retries=3, backoff_s=0.0)
    assert conn.submit(Bytecode()) == [7]
    assert len(calls) == 3


def test_still_failing_it_is_unavailable_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _connection(monkeypatch, [_error(500, TEMPORARY)] * 4)
    conn = GremlinConnection(URL, retries=3, backoff_s=0.0)
    with pytest.raises(GraphUnavailable) as raised:
        conn.submit(Bytecode())
    assert len(calls) == 4
    message = str(raised.value)
    assert "\n" not in message and "after 4 attempt(s)" in message
    assert message.endswith("persistence)")


def test_a_bad_traversal_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _connection(monkeypatch, [_error(597, "No such property: amount")])
    conn = GremlinConnection(URL, retries=3, backoff_s=0.0)
    with pytest.raises(GraphQueryError, match="No such property"):
        conn.submit(Bytecode())
    assert len(calls) == 1
