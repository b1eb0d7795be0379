"""`banking stream` argument handling (no services needed)."""

from __future__ import annotations

import pytest

from banking.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stream", "produce"], "give a dataset directory or --scale"),
        (["stream", "produce", "/nonexistent/bank"], "is not a directory"),
        (["stream", "produce", "--scale", "0.001", "--entities", "bogus"], "unknown entity"),
        (["stream", "produce", "--scale", "-1"], "scale must be positive"),
        (["stream", "consume"], "--to-graph"),
        (["stream", "consume", "--to-graph", "--batch-size", "0"], "--batch-size"),
        (["stream", "dlq", "show", "--limit", "-1"], "--limit"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


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
