"""A server that is not there: a clear error, quickly, never a hang (real sockets, no mocks)."""

import socket

import pytest

from banking.errors import ServiceUnavailable, UsageError
from banking_repository import GraphRepository, GraphUnavailable


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(20)
def test_closed_port_raises_graph_unavailable_after_bounded_retries(closed_port):
    repo = GraphRepository(f"ws://127.0.0.1:{closed_port}/gremlin", retries=2, backoff_s=0.01)
    with pytest.raises(GraphUnavailable, match="unavailable after 3 attempt"):
        repo.count_vertices()
    assert issubclass(GraphUnavailable, ServiceUnavailable)


@pytest.mark.timeout(20)
def test_health_is_false_without_raising(closed_port):
    with GraphRepository(f"ws://127.0.0.1:{closed_port}/gremlin") as repo:
        assert repo.health() is False


def test_url_comes_from_the_environment(monkeypatch, closed_port):
    monkeypatch.setenv("GREMLIN_URL", f"ws://127.0.0.1:{closed_port}/gremlin")
    assert GraphRepository().url.endswith(f":{closed_port}/gremlin")


def test_a_malformed_url_is_a_usage_error():
    with pytest.raises(UsageError):
        GraphRepository("http//nowhere")
