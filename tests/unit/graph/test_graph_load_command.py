"""`banking load` argument handling: one-line errors and exit codes, no traceback."""

from __future__ import annotations

import socket

import pytest

from banking.cli import main


def test_load_is_a_registered_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["load", "--help"])
    assert exc.value.code == 0
    assert "--batch-size" in capsys.readouterr().out


@pytest.mark.parametrize("size", ["0", "-5", "ten"])
def test_bad_batch_size_exits_2(tmp_path, capsys, size):
    with pytest.raises(SystemExit) as exc:
        main(["load", str(tmp_path), "--batch-size", size])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--batch-size" in err and "Traceback" not in err


def test_missing_directory_exits_2(tmp_path, capsys):
    assert main(["load", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("banking: error:") and err.count("\n") == 1


def test_server_down_exits_3(tmp_path, capsys):
    pytest.importorskip("banking.dataset", reason="needs the dataset writer/reader")
    from banking.data_generators.orchestration import generate_bank

    data = tmp_path / "data"
    generate_bank(0.001, 1, out_dir=data, fmt="jsonl")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["load", str(data), "--gremlin", f"ws://127.0.0.1:{port}/gremlin"]) == 3
    err = capsys.readouterr().err
    assert "unavailable" in err or "does not answer" in err
    assert err.count("\n") == 1
