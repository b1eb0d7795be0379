"""A clean graph per test on the test session's own Gremlin Server (``gremlin_url``,
tests/conftest.py): these tests drop everything, which only the session itself wrote. That
server runs one traversal at a time (``gremlinPool: 1``), so ``pipelined_repo`` may keep two
requests in flight."""

from __future__ import annotations

import pytest

from banking_repository import GraphRepository


@pytest.fixture
def repo(gremlin_url):
    with GraphRepository(gremlin_url) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()


@pytest.fixture
def pipelined_repo(gremlin_url):
    with GraphRepository(gremlin_url, in_flight=2) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()
