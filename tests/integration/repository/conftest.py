"""A clean graph per test on the test session's own servers: ``repo`` on each graph engine
(``graph_url``, tests/integration/conftest.py), ``pipelined_repo`` on the Gremlin Server only
(``gremlin_url``): these tests drop everything, which only the session itself wrote. That
server runs one traversal at a time (``gremlinPool: 1``), so ``pipelined_repo`` may keep two
requests in flight."""

from __future__ import annotations

import pytest

from banking_repository import GraphRepository


@pytest.fixture
def repo(graph_url):
    with GraphRepository(graph_url) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()


@pytest.fixture
def pipelined_repo(gremlin_url):
    with GraphRepository(gremlin_url, in_flight=2) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()
