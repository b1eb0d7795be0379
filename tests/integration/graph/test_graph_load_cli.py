"""`banking load` end to end against the real server: summary, idempotent reload, --drop."""

from __future__ import annotations

import pytest

from banking.cli import main
from banking_repository import GraphRepository

pytestmark = pytest.mark.integration


def test_load_twice_reports_and_leaves_counts_unchanged(small_dataset, graph_url, capsys):
    args = ["load", str(small_dataset), "--gremlin", graph_url, "--batch-size", "200"]
    assert main([*args, "--drop", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("loaded ") and "elements/s" in out and "requests" in out
    with GraphRepository(graph_url) as repo:
        first = repo.counts()
        assert first["vertices"]["account"] > 0 and first["edges"]["transfer"] > 0
        assert main([*args, "--quiet"]) == 0
        assert repo.counts() == first


def test_load_keeps_two_requests_in_flight_only_against_the_projects_own_server(
    small_dataset, gremlin_url, session_services, monkeypatch, capsys
):
    """The session's server, started by banking.services, is the project's own once its state
    folder is the one the command looks at: two in flight; any other state folder: one."""
    from banking.services.own import gremlin_in_flight
    from banking_repository import graph_repository

    assert gremlin_in_flight(gremlin_url, session_services.settings) == 2
    seen: list[int] = []
    original = graph_repository.GraphRepository.__init__

    def recording(self, *args, in_flight: int = 1, **kwargs):
        seen.append(in_flight)
        original(self, *args, in_flight=in_flight, **kwargs)

    monkeypatch.setattr(graph_repository.GraphRepository, "__init__", recording)
    args = ["load", str(small_dataset), "--gremlin", gremlin_url, "--quiet"]
    monkeypatch.setenv("BANKING_SERVICES_STATE", str(session_services.settings.state_dir))
    assert main(args) == 0
    monkeypatch.setenv("BANKING_SERVICES_STATE", str(small_dataset.parent / "no-services"))
    assert main(args) == 0
    assert main([*args, "--in-flight", "2"]) == 0
    assert seen == [2, 1, 2]
    capsys.readouterr()
