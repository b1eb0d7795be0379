"""`banking stream` argument handling (no services needed)."""

from __future__ import annotations

import pytest

from banking import defaults
from banking.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stream", "produce"], "give a dataset directory or --scale"),
        (["stream", "produce", "/nonexistent/bank"], "is not a directory"),
        (["stream", "produce", "--scale", "0.001", "--entities", "bogus"], "unknown entity"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stream", "produce", "--scale", "-1"], "--scale: scale must be a positive number"),
        (["stream", "produce", "data", "--read-batch", "0"], "--read-batch: must be at least 1"),
        (["stream", "produce", "data", "--compression", "brotli"], "--compression"),
        (["stream", "consume", "--batch-size", "0"], "--batch-size: must be at least 1"),
        (["stream", "consume", "--batch-size", "ten"], "--batch-size: expected a whole number"),
        (["stream", "consume", "--max-events", "0"], "--max-events: must be at least 1"),
        (["stream", "consume", "--in-flight", "0"], "--in-flight: must be at least 1"),
        (["stream", "dlq", "show", "--limit", "-1"], "--limit: must be at least 0"),
    ],
)
def test_a_bad_option_value_is_refused_before_anything_runs(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_consume_writes_to_the_graph_without_to_graph_and_takes_the_old_spellings(monkeypatch):
    """No --to-graph needed (it is the only sink); --to-graph and --gremlin-url still parse,
    the latter into the same setting as --gremlin."""
    from banking.cli import build_parser

    parser = build_parser()
    new = parser.parse_args(["stream", "consume", "--gremlin", "ws://h:1/gremlin"])
    old = parser.parse_args(
        ["stream", "consume", "--to-graph", "--gremlin-url", "ws://h:1/gremlin"]
    )
    assert new.func is old.func and new.gremlin == old.gremlin == "ws://h:1/gremlin"
    assert new.batch_size == old.batch_size == defaults.CONSUME_BATCH_SIZE


def test_a_directory_that_is_not_a_dataset_is_a_usage_error(tmp_path, capsys):
    assert main(["stream", "produce", str(tmp_path), "--bootstrap", "127.0.0.1:1"]) == 2
    assert "not a dataset directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [("amount", "lots", "amount:"), ("timestamp", "yesterday", "timestamp:")],
)
def test_a_record_the_consumer_would_dead_letter_stops_produce_before_any_send(
    tmp_path, capsys, field, value, reason
):
    """The whole dataset is checked before the producer connects: with no broker at all
    (port 1) the answer is still the bad record's file and line, exit 2, not exit 3."""
    import orjson

    from banking.data_generators.orchestration import generate_bank

    bank = tmp_path / "bank"
    generate_bank(0.001, 3, out_dir=bank)
    path = bank / "transactions.jsonl"
    lines = path.read_bytes().splitlines()
    record = orjson.loads(lines[6])
    record[field] = value
    lines[6] = orjson.dumps(record)
    path.write_bytes(b"\n".join(lines) + b"\n")
    argv = ["stream", "produce", str(bank), "--bootstrap", "127.0.0.1:1", "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"transactions.jsonl:7: {reason}" in err
