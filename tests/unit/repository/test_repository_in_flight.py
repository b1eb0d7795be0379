"""One request in flight unless the caller opts in: two are safe only on a server that runs one
traversal at a time (``gremlinPool: 1``), and concurrent writers corrupt a TinkerGraph. No
server needed: connections open on first use."""

import pytest

from banking.errors import UsageError
from banking.graph.loader import open_repository
from banking.streaming.sink import RepositorySink
from banking_repository import GraphRepository
from banking_repository.connection import GremlinConnection

URL = "ws://127.0.0.1:9/gremlin"


def _slots(repo: GraphRepository) -> int:
    return len(repo._conn._clients)


def test_the_repository_and_the_connection_default_to_one_request_in_flight():
    with GraphRepository(URL) as repo:
        assert _slots(repo) == 1
    assert len(GremlinConnection(URL)._clients) == 1


def test_callers_opt_in_to_two():
    with GraphRepository(URL, in_flight=2) as repo:
        assert _slots(repo) == 2


def test_the_loader_and_the_sink_pass_in_flight_through():
    with open_repository(URL) as repo:
        assert _slots(repo) == 1
    with open_repository(URL, in_flight=2, cache_size=4) as repo:
        assert _slots(repo) == 2 and repo.cache.maxsize == 4
    sink = RepositorySink.connect(URL)
    assert _slots(sink.repository) == 1
    sink.close()
    sink = RepositorySink.connect(URL, in_flight=2)
    assert _slots(sink.repository) == 2
    sink.close()


def test_no_request_in_flight_is_a_usage_error():
    with pytest.raises(UsageError, match="in_flight"):
        GraphRepository(URL, in_flight=0)
