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
