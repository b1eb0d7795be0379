import subprocess
import sys

import pytest

from banking.cli import main
from banking.dataset import DatasetReader

TINY = ["--persons", "60", "--companies", "12", "--accounts", "80", "--transactions", "300",
        "--communications", "40"]  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ["--scale", "0"],
        ["--scale", "-0.5"],
        ["--scale", "abc"],
        ["--persons", "-1"],
        ["--transactions", "2.5"],
        ["--accounts", "ten"],
        ["--format", "xml"],
        ["--accounts", "1"],
        ["--seed", "-4"],
        ["--workers", "2"],
        ["--preset", "amlworld-hi-small", "--workers", "0"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exc_info:
        code = main(["generate", "--out", str(tmp_path / "out"), *args])
        raise SystemExit(code)
    assert exc_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["generate", "--out", str(blocker / "ds"), *TINY]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_generate_writes_and_summarises_then_needs_force(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["generate", "--out", str(out), "--seed", "3", "--format", "csv", *TINY]) == 0
    summary = capsys.readouterr().out
    assert "transactions" in summary and "entities/s" in summary
    reader = DatasetReader(out)
    assert reader.format == "csv" and reader.manifest["counts"]["accounts"] >= 80
    assert main(["generate", "--out", str(out), *TINY]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["generate", "--out", str(out), "--quiet", "--force", *TINY]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert DatasetReader(out).manifest["seed"] == 42


def test_help_explains_the_command(capsys):
    with pytest.raises(SystemExit) as exc_info:
        main(["generate", "--help"])
    assert exc_info.value.code == 0
    text = capsys.readouterr().out
    for word in ("--scale", "--format", "--force", "manifest.json", "examples"):
        assert word in text


def test_exit_codes_in_a_real_process(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "banking.cli", "generate", *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    ok = run("--out", str(tmp_path / "ds"), "--quiet", *TINY)
    assert ok.returncode == 0, ok.stderr
    again = run("--out", str(tmp_path / "ds"), "--quiet", *TINY)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    bad = run("--out", str(tmp_path / "x"), "--scale", "-1")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_typology_count_zero_allows_a_tiny_bank(tmp_path):
    args = ["--persons", "3", "--companies", "1", "--accounts", "4", "--transactions", "5",
            "--communications", "2"]  # fmt: skip
    assert main(["generate", "--out", str(tmp_path / "a"), "--quiet", *args]) == 2
    assert not (tmp_path / "a").exists()
    out = tmp_path / "b"
    assert main(["generate", "--out", str(out), "--quiet", "--typology-count", "0", *args]) == 0
    reader = DatasetReader(out)
    assert reader.manifest["typologies"] == {} and reader.count("transactions") == 5
    assert reader.patterns() == []


def _start_generate(out, scale: str = "0.2"):
    """A ``banking generate`` big enough to be stopped half-way, once its temporary folder
    exists (the moment a signal finds it with files half-written)."""
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "banking.cli", "generate", "--scale", scale, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(out.parent.glob(f".{out.name}.partial-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no temporary folder appeared"
        time.sleep(0.05)
    return process


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    import signal

    out = tmp_path / "bank"
    process = _start_generate(out)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert err == "banking: terminated (SIGTERM)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_killed_writers_leftovers_go_with_the_next_write(tmp_path):
    import signal

    out = tmp_path / "bank"
    process = _start_generate(out)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    leftover = list(tmp_path.glob(".bank.partial-*"))
    assert len(leftover) == 1
    assert main(["generate", "--out", str(out), "--quiet", *TINY]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["bank"]


def test_a_running_writers_folder_is_left_alone(tmp_path):
    import os

    from banking.data_generators.orchestration.output import remove_abandoned

    out = tmp_path / "bank"
    live = tmp_path / f".bank.partial-{os.getpid()}-abc"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = finished.stdout.strip()
    dead = tmp_path / f".bank.old-{dead_pid}-xyz"
    other = tmp_path / f".banking.partial-{dead_pid}-xyz"
    for folder in (live, dead, other):
        folder.mkdir()
    assert remove_abandoned(out) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
