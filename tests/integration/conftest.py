"""The engine-parameterised graph fixture: one test, run against each graph engine.

``graph_url`` takes the params ``tinkergraph`` (the session's own Gremlin Server,
``gremlin_url``) and ``janusgraph`` (the session's own JanusGraph Server, ``janusgraph_url``),
both in tests/conftest.py. An engine whose fixture cannot start skips or fails there, as every
service does (``BANKING_REQUIRE_SERVICES``). Tests that need one engine only keep asking for
its fixture by name.
"""

from __future__ import annotations

import pytest

ENGINES = {"tinkergraph": "gremlin_url", "janusgraph": "janusgraph_url"}


@pytest.fixture(scope="session", params=list(ENGINES))
def graph_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty graph on the param's engine (a session fixture: tests that share
    it drop what they wrote, or the whole graph)."""
    try:
        return request.getfixturevalue(ENGINES[request.param])
    except pytest.FixtureLookupError:
        pytest.skip(f"no {ENGINES[request.param]} fixture: {request.param} is not set up here")
