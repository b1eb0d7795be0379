"""Three Cassandra nodes under JanusGraph lose one (kill -9) while the graph is written; the
writes complete, nothing is lost or doubled, and ``up`` brings the node back into the ring.

The cluster (nodes on 127.0.0.1, .2 and .3, ports from the session's pool) and its JanusGraph
Server are the test's own (``service_factory``). Vertices are written through the repository
(the stock edge path does not run on JanusGraph until the repository keys edges by
``edge_id``; the ``banking load`` and ``banking stream consume`` variant of this test follows
that change).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from banking.services import cassandra, manager
from banking.services.process import is_alive, read_record
from banking_repository import GraphRepository

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROWS = 1_500
BATCH = 50
VICTIM = "cassandra-2"


def _status(settings) -> list[str]:  # type: ignore[no-untyped-def]
    lines: list[str] = []
    manager.status(settings, only="janusgraph", echo=lines.append)
    return lines


def test_a_killed_node_loses_no_write_and_rejoins(service_factory) -> None:  # type: ignore[no-untyped-def]
    owned = service_factory.create("cassandra-cluster", cassandra_nodes=3)
    owned.ensure(["janusgraph"])
    settings = owned.settings
    assert _status(settings)[-1] == "ring:    3/3 Cassandra nodes joined"

    rows = [{"entity_id": f"PER-C{i:05d}", "risk_score": i / ROWS} for i in range(ROWS)]
    written: list[int] = []
    errors: list[BaseException] = []
    first_batches = threading.Event()

    def write() -> None:
        try:
            with GraphRepository(settings.janusgraph_url, timeout_s=60.0) as repo:
                for start in range(0, ROWS, BATCH):
                    written.append(repo.upsert_vertices("person", rows[start : start + BATCH]))
                    if len(written) == 3:
                        first_batches.set()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            first_batches.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert first_batches.wait(300), "no batch written"
    record = read_record(settings.service_dir(VICTIM))
    assert record is not None
    os.kill(record.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    while is_alive(record.pid):
        time.sleep(0.05)
    writer.join(600)
    assert not writer.is_alive() and not errors, errors
    assert len(written) == ROWS // BATCH, "the write ended early"

    lines = _status(settings)
    assert any(ln.startswith(f"{VICTIM}: down") for ln in lines), lines
    assert lines[-1] == "ring:    2/3 Cassandra nodes joined"
    with GraphRepository(settings.janusgraph_url) as repo:
        assert repo.count_vertices("person") == ROWS  # each once: QUORUM of the other two

    echoed: list[str] = []
    manager.up(settings, only="janusgraph", echo=echoed.append)
    assert any(f"{VICTIM}: starting" in ln and "data kept" in ln for ln in echoed), echoed
    assert any(ln.startswith("janusgraph: already running") for ln in echoed), echoed
    deadline = time.monotonic() + 120
    while not cassandra.answers(settings, VICTIM) and time.monotonic() < deadline:
        time.sleep(1)
    lines = _status(settings)
    assert lines[-1] == "ring:    3/3 Cassandra nodes joined", lines
    assert any(ln.startswith(f"{VICTIM}: up") and "joined, knows 2 of 2" in ln for ln in lines)
    with GraphRepository(settings.janusgraph_url) as repo:
        assert repo.count_vertices("person") == ROWS
        assert repo.get_vertex(rows[-1]["entity_id"])["risk_score"] == rows[-1]["risk_score"]
    print(f"node killed, writes finished and node rejoined in {time.monotonic() - killed_at:.0f} s")
