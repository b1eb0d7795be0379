"""``services/run.sh warm`` against the real services: traffic goes through, nothing stays."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from banking.services import warmup
from banking_repository import GraphRepository

pytestmark = pytest.mark.integration


def test_gremlin_warmup_writes_and_leaves_no_element_behind(gremlin_url):
    with GraphRepository(gremlin_url) as repo:
        before = repo.counts()
        written = warmup.gremlin(gremlin_url, seconds=0.5)
        after = repo.counts()
    # At least one round: every vertex and edge upserted once.
    assert written >= 2 * warmup.ROWS
    assert after == before
    assert warmup.LABEL not in after["vertices"] and warmup.EDGE_LABEL not in after["edges"]


def test_kafka_warmup_fetches_what_it_produced_and_removes_its_topic(kafka_bootstrap):
    fetched = warmup.kafka(kafka_bootstrap, seconds=2.0)
    assert fetched >= warmup.MESSAGES
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        assert not [t for t in admin.list_topics() if t.startswith("warmup-")]
    finally:
        admin.close()
