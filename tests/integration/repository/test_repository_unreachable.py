"""An unreachable server next to a live one: the clear error, quickly, and no collateral."""

from __future__ import annotations

import socket

import pytest

from banking_repository import GraphRepository, GraphUnavailable

pytestmark = pytest.mark.integration


@pytest.mark.timeout(30)
def test_closed_port_raises_graph_unavailable_while_the_live_server_answers(repo):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = GraphRepository(f"ws://127.0.0.1:{port}/gremlin", retries=1, backoff_s=0.01)
    with pytest.raises(GraphUnavailable, match=f"127.0.0.1:{port}"):
        dead.upsert_vertices("person", [{"entity_id": "PER-1"}])
    assert dead.health() is False
    assert repo.health() is True
    assert repo.count_vertices() == 0
