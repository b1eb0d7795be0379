"""PIDs this tool started, and proof that a live PID is still ours before it is signalled.

Each started JVM carries ``-Dbanking.services.state=<state dir>`` and
``-Dbanking.services.name=<service>`` on its command line, and its record stores the kernel's
start time of that PID. A PID is ours only if both still match, so a reused PID or a process
started by anything else is never killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RECORD = "process.json"


def marker_args(state_dir: Path, name: str) -> list[str]:
    return [f"-Dbanking.services.state={state_dir}", f"-Dbanking.services.name={name}"]


@dataclass(frozen=True)
class ProcessRecord:
    """What ``up`` wrote for one service: its PID, start time and where it listens."""

    name: str
    pid: int
    start_ticks: int
    ports: tuple[int, ...]
    endpoint: str
    log: str

    def to_json(self) -> str:
        data = asdict(self)
        data["ports"] = list(self.ports)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ProcessRecord:
        data = json.loads(text)
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            start_ticks=int(data["start_ticks"]),
            ports=tuple(int(p) for p in data["ports"]),
            endpoint=str(data["endpoint"]),
            log=str(data["log"]),
        )


def record_path(service_dir: Path) -> Path:
    return service_dir / RECORD


def read_record(service_dir: Path) -> ProcessRecord | None:
    """The service's record, or None when absent or unreadable (treated as not started)."""
    path = record_path(service_dir)
    try:
        return ProcessRecord.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(service_dir: Path, record: ProcessRecord) -> None:
    path = record_path(service_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(record.to_json())
    tmp.replace(path)


def remove_record(service_dir: Path) -> None:
    record_path(service_dir).unlink(missing_ok=True)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (which may contain spaces)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None  # field 22 of stat: starttime


def _reap(pid: int) -> None:
    """Collect a child of this process that has exited, so it is not seen as a live zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int) -> bool:
    _reap(pid)
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_ours(record: ProcessRecord, state_dir: Path) -> bool:
    """True only for a live process with the record's start time and our markers."""
    if not is_alive(record.pid) or start_ticks(record.pid) != record.start_ticks:
        return False
    args = cmdline(record.pid)
    return all(marker in args for marker in marker_args(state_dir, record.name))


def terminate(pid: int, grace_s: float = 20.0) -> None:
    """TERM, wait up to ``grace_s``, then KILL. Tolerates a process that is already gone."""
    terminate_all([pid], grace_s)


def terminate_all(pids: list[int], grace_s: float = 20.0) -> None:
    """``terminate`` for several processes at once: TERM them all, then wait for all (the nodes
    of a Kafka cluster shut down together instead of one grace period after another)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not any(is_alive(pid) for pid in pids):
            return
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while any(is_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
