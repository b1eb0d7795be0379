"""benchmarks/engines.py: an engine that is down, or that this commit's repository cannot write
edges to, skips with its reason; every other error still fails."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from benchmarks import common, engines, graph_load, graph_queries, streaming  # noqa: E402


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_engine_is_the_first_parameter_tinkergraph_first() -> None:
    assert engines.ENGINES[0] == "tinkergraph"
    assert graph_load.Load.params[0] == engines.ENGINES
    assert graph_load.Load.param_names == ("engine", "mode")
    assert graph_queries.Queries.params[0] == engines.ENGINES
    assert graph_queries.Queries.param_names == ("engine", "query")
    assert streaming.Consume.params == engines.ENGINES


def test_janusgraph_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JANUSGRAPH_URL", raising=False)
    assert engines.url("janusgraph") == "ws://127.0.0.1:8184/gremlin"
    monkeypatch.setenv("JANUSGRAPH_URL", "ws://127.0.0.1:8332/gremlin")
    assert engines.url("janusgraph") == "ws://127.0.0.1:8332/gremlin"
    assert engines.port("janusgraph") == 8332
    with pytest.raises(ValueError, match="unknown graph engine 'neo4j'"):
        engines.url("neo4j")


def test_an_engine_that_is_down_skips_every_sample_with_its_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JANUSGRAPH_URL", f"ws://127.0.0.1:{_closed_port()}/gremlin")
    monkeypatch.setenv("GREMLIN_URL", f"ws://127.0.0.1:{_closed_port()}/gremlin")
    start = time.monotonic()
    per_engine = engines.reasons(lambda engine, url: {"ids": engine})
    assert time.monotonic() - start < 2 * common.PROBE_TIMEOUT_S + 1
    assert "JanusGraph does not answer" in per_engine["janusgraph"]
    assert "JANUSGRAPH_URL" in per_engine["janusgraph"]
    assert "Gremlin Server does not answer" in per_engine["tinkergraph"]
    with pytest.raises(common.Skip, match="JanusGraph does not answer"):
        engines.pick(per_engine, "janusgraph")


class _Repository:
    """A repository whose write answers like a server would (no server involved)."""

    def __init__(self, error: Exception | None) -> None:
        self.error, self.deleted, self.closed = error, [], False

    def write(self, batch: Any) -> int:
        if self.error:
            raise self.error
        return len(batch)

    def delete_vertices(self, label: str, ids: list[str]) -> int:
        self.deleted += ids
        return len(ids)

    def close(self) -> None:
        self.closed = True


def _check(monkeypatch: pytest.MonkeyPatch, error: Exception | None) -> _Repository:
    repo = _Repository(error)
    monkeypatch.setattr(engines, "repository", lambda engine, where: repo)
    try:
        engines.check_writes("janusgraph", "ws://127.0.0.1:1/gremlin")
    finally:
        assert repo.closed and repo.deleted  # the probe's vertices are removed either way
    return repo


def test_a_repository_keying_edges_by_t_id_skips_on_janusgraph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = RuntimeError("500: Edge does not support user supplied identifiers\nat ...")
    with pytest.raises(common.Skip, match=r"cannot write edges to janusgraph.*user supplied"):
        _check(monkeypatch, error)


def test_any_other_write_error_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="reserved string"):
        _check(monkeypatch, RuntimeError("Custom string id contains reserved string (-)"))


def test_a_repository_that_writes_edges_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _check(monkeypatch, None).deleted


def test_tinkergraph_needs_no_write_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "repository", lambda engine, where: pytest.fail("probed"))
    engines.check_writes("tinkergraph", "ws://127.0.0.1:1/gremlin")
