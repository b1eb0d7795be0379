from __future__ import annotations

from banking.streaming.tuning import DiscardSink


def test_discard_sink_counts_the_events_it_drops():
    sink = DiscardSink()
    assert sink.apply({"transactions": [{"txn_id": "a"}, {"txn_id": "b"}]}, {"persons": ["p"]}) == 3
    assert sink.apply({}, {}) == 0
