"""PID records and the ownership check that keeps ``down`` from signalling a stranger."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking.services import manager
from banking.services.process import (
    ProcessRecord,
    is_alive,
    is_ours,
    marker_args,
    read_record,
    start_ticks,
    terminate,
    write_record,
)
from banking.services.settings import ServiceSettings

SLEEPER = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


@pytest.fixture()
def children() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for child in started:
        child.kill()
        child.wait()


def _spawn(children: list[subprocess.Popen], *extra: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", SLEEPER, *extra], stdout=subprocess.PIPE)
    children.append(child)
    assert child.stdout is not None
    assert child.stdout.readline() == b"ready\n"  # TERM is ignored from here on
    return child


def _record(pid: int, ticks: int, name: str = "gremlin") -> ProcessRecord:
    return ProcessRecord(name, pid, ticks, (18182,), "ws://127.0.0.1:18182/gremlin", "/x.log")


def test_record_round_trips(tmp_path: Path) -> None:
    record = ProcessRecord("kafka", 42, 7, (19092, 19093), "127.0.0.1:19092", "/l")
    write_record(tmp_path, record)
    assert read_record(tmp_path) == record


def test_missing_or_garbled_record_reads_as_none(tmp_path: Path) -> None:
    assert read_record(tmp_path) is None
    (tmp_path / "process.json").write_text("{not json")
    assert read_record(tmp_path) is None


def test_a_process_with_our_markers_and_start_time_is_ours(
    tmp_path: Path, children: list[subprocess.Popen]
) -> None:
    child = _spawn(children, *marker_args(tmp_path, "gremlin"))
    ticks = start_ticks(child.pid)
    assert ticks is not None
    assert is_ours(_record(child.pid, ticks), tmp_path)
    assert not is_ours(_record(child.pid, ticks + 1), tmp_path)  # PID reused later
    assert not is_ours(_record(child.pid, ticks, name="kafka"), tmp_path)
    assert not is_ours(_record(child.pid, ticks), tmp_path / "elsewhere")


def test_a_process_without_markers_is_not_ours(
    tmp_path: Path, children: list[subprocess.Popen]
) -> None:
    child = _spawn(children)
    ticks = start_ticks(child.pid)
    assert ticks is not None
    assert not is_ours(_record(child.pid, ticks), tmp_path)


def test_terminate_escalates_to_kill_and_reaps(children: list[subprocess.Popen]) -> None:
    child = _spawn(children)
    assert is_alive(child.pid)
    terminate(child.pid, grace_s=0.5)  # the sleeper ignores TERM, so only KILL ends it
    assert not is_alive(child.pid)


def test_terminate_tolerates_a_process_that_is_gone(children: list[subprocess.Popen]) -> None:
    child = _spawn(children)
    child.kill()
    child.wait()
    terminate(child.pid, grace_s=0.1)
    assert not is_alive(child.pid)


def test_down_leaves_a_process_it_did_not_start_alive(
    tmp_path: Path, children: list[subprocess.Popen]
) -> None:
    stranger = _spawn(children)
    ticks = start_ticks(stranger.pid)
    assert ticks is not None
    settings = ServiceSettings(
        gremlin_port=1, kafka_port=2, kafka_controller_port=3, state_dir=tmp_path
    )
    service_dir = settings.service_dir("gremlin")
    service_dir.mkdir(parents=True)
    write_record(service_dir, _record(stranger.pid, ticks))
    lines: list[str] = []
    assert manager.down(settings, echo=lines.append) == 0
    assert is_alive(stranger.pid)
    assert stranger.poll() is None
    assert read_record(service_dir) is None
    assert any("not a process started here" in line for line in lines)
