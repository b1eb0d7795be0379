"""The JanusGraph load tuning (docs/performance/graph.md, issue 17 part 7) reaches the graph's
properties on one node and on a cluster, and leaves the consistency that keeps upserts
exactly-once alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from banking.services import render
from banking.services.settings import ServiceSettings


@pytest.mark.parametrize("nodes", [1, 3])
def test_load_tuning_is_rendered_and_quorum_kept(tmp_path: Path, nodes: int) -> None:
    settings = ServiceSettings(
        state_dir=tmp_path / "state", cassandra_nodes=nodes, graph_engines=("janusgraph",)
    )
    lines = render.janusgraph_properties(settings).splitlines()
    for line in (
        "storage.batch-loading=true",
        "ids.block-size=1000000",
        "cache.db-cache=true",
        "storage.cql.write-consistency-level=QUORUM",
        "storage.cql.read-consistency-level=QUORUM",
    ):
        assert line in lines
    keys = [ln.split("=", 1)[0] for ln in lines if ln and not ln.startswith("#")]
    repeatable = {"storage.hostname"}
    assert len([k for k in keys if k not in repeatable]) == len(
        {k for k in keys if k not in repeatable}
    ), "a key set twice: the server reads the last one"
