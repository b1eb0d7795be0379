"""A clean graph per test on the test session's own Gremlin Server (``gremlin_url``,
tests/conftest.py): these tests drop everything, which only the session itself wrote."""

from __future__ import annotations

import pytest

from banking_repository import GraphRepository


@pytest.fixture
def repo(gremlin_url):
    with GraphRepository(gremlin_url) as repository:
        repository.drop_all()
        yield repository
        repository.drop_all()
