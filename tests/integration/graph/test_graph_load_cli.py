"""`banking load` end to end against the real server: summary, idempotent reload, --drop."""

from __future__ import annotations

import pytest

from banking.cli import main
from banking_repository import GraphRepository

pytestmark = pytest.mark.integration


def test_load_twice_reports_and_leaves_counts_unchanged(small_dataset, gremlin_url, capsys):
    args = ["load", str(small_dataset), "--gremlin", gremlin_url, "--batch-size", "200"]
    assert main([*args, "--drop", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("loaded ") and "elements/s" in out and "requests" in out
    with GraphRepository(gremlin_url) as repo:
        first = repo.counts()
        assert first["vertices"]["account"] > 0 and first["edges"]["transfer"] > 0
        assert main([*args, "--quiet"]) == 0
        assert repo.counts() == first
