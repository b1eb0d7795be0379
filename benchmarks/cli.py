"""The ``banking`` command end to end, as a user runs it: a fresh interpreter per call."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import common, instructions

SCALE = "0.001"


def _command(out: Path, fmt: str) -> list[str]:
    return [
        sys.executable, "-m", "banking.cli", "generate", "--scale", SCALE,
        "--seed", str(common.SEED), "--out", str(out), "--format", fmt, "--force", "--quiet",
    ]  # fmt: skip


def _run_measured(cmd: list[str]) -> int:
    """Run ``cmd`` (the timed path: no launcher in between); return its ru_maxrss in bytes,
    which is floored at this process's own RSS (see ``_LAUNCHER``; ``_peak_rss`` is not)."""
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        stderr = proc.stderr.read().decode(errors="replace")  # to EOF: the child has exited
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} exited {proc.returncode}: {stderr.strip()}")
    return usage.ru_maxrss * 1024  # kilobytes on Linux


# Forks the measured command from a small interpreter and prints the command's own peak RSS.
# Linux carries a process's high-water RSS across exec, and a child spawned straight from
# the benchmark process starts as a copy of it (~55 MB of interpreter, numpy, pydantic), so
# its ru_maxrss can never read lower than that: a CLI that got lighter looked unchanged.
# The launcher (python -S, no site packages: ~10 MB) is what the measured command is
# forked from instead; its exit status is the command's.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stdout.write(str(usage.ru_maxrss * 1024))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _peak_rss(cmd: list[str]) -> int:
    """Peak RSS in bytes of ``cmd`` alone (forked from the small launcher, see above)."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *cmd], capture_output=True, check=False
    )
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{' '.join(cmd[2:])} exited {proc.returncode}: {stderr}")
    return int(proc.stdout)


@common.teardown_after_setup
class Generate:
    """``banking generate --scale 0.001 --format F`` in a subprocess (startup included)."""

    params = ("jsonl", "parquet")
    param_names = ("format",)
    number = 1
    repeat = (1, 3, 4.0)
    warmup_time = 0.0
    timeout = 180

    def setup(self, fmt: str) -> None:
        common.need("banking.commands.generate")
        self.tmp = common.scratch_dir("cli")
        self.out = Path(self.tmp.name) / "bank"
        self.cmd = _command(self.out, fmt)

    def teardown(self, fmt: str) -> None:
        self.tmp.cleanup()

    def time_cli_generate(self, fmt: str) -> None:
        _run_measured(self.cmd)

    def peakmem_cli_generate_in_process(self, fmt: str) -> None:
        """The same command through ``banking.cli.main`` in this process (asv's peakmem only
        sees its own process; ``track_peak_rss_bytes`` is the subprocess's own figure)."""
        main = common.need("banking.cli", "main")
        if main(self.cmd[3:]) != 0:
            raise RuntimeError("banking generate failed")

    def track_peak_rss_bytes(self, fmt: str) -> int:
        return _peak_rss(self.cmd)

    track_peak_rss_bytes.unit = "bytes"

    def track_output_bytes(self, fmt: str) -> int:
        _run_measured(self.cmd)
        return common.dir_bytes(self.out)

    track_output_bytes.unit = "bytes"
    track_output_bytes.rounds = 1


class Startup:
    """``banking --help``: interpreter start plus the CLI's imports (a lazy-import regression
    shows here first)."""

    number = 1
    repeat = (3, 5, 2.0)
    warmup_time = 0.0

    def setup(self) -> None:
        common.need("banking.cli", "main")
        self.cmd = [sys.executable, "-m", "banking.cli", "--help"]

    def time_cli_help(self) -> None:
        _run_measured(self.cmd)

    def track_peak_rss_bytes(self) -> int:
        return _peak_rss(self.cmd)

    track_peak_rss_bytes.unit = "bytes"


class StartupInstructions(instructions.CommandTwin):
    """Every instruction of ``banking --help`` from exec to exit under callgrind: interpreter
    start and the CLI's imports, the figure a lazy-import regression moves."""

    ops = ("cli_help",)

    def setup(self) -> None:
        common.need("banking.cli", "main")
        super().setup()

    def command(self, op: str) -> list[str]:
        return [sys.executable, "-m", "banking.cli", "--help"]
