"""A clean graph per test on the Gremlin Server at GREMLIN_URL (these tests drop everything:
point GREMLIN_URL at a server of your own)."""

from __future__ import annotations

import pytest

from banking_repository import GraphRepository


@pytest.fixture
def repo(gremlin_url):
    with GraphRepository(gremlin_url) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()
