"""tools/stream_tuning.py: the parts that need no broker, and its command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import stream_tuning
from stream_tuning import DiscardSink

from banking import defaults

ROOT = Path(__file__).resolve().parents[2]


def test_discard_sink_counts_the_events_it_drops():
    sink = DiscardSink()
    assert sink.apply({"transactions": [{"txn_id": "a"}, {"txn_id": "b"}]}, {"persons": ["p"]}) == 3
    assert sink.apply({}, {}) == 0


def test_the_sample_transactions_are_seeded_and_valid():
    from banking.validation import validate_records

    first = stream_tuning.sample_transactions(50)
    assert first == stream_tuning.sample_transactions(50)
    assert first != stream_tuning.sample_transactions(50, seed=7)
    validate_records("transactions", first)


@pytest.mark.parametrize("tool", ["stream_tuning.py", "graph_benchmark.py"])
def test_each_tool_runs_by_its_documented_command(tool):
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / tool), "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "--gremlin URL" in done.stdout and "--batch-size N" in done.stdout


def test_the_tuning_batch_options_name_their_units(capsys):
    with pytest.raises(SystemExit):
        stream_tuning.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "batch.size values to measure, in bytes" in text
    assert f"events per graph write (default {defaults.CONSUME_BATCH_SIZE})" in text
