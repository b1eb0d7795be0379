"""``up``, ``down``, ``status`` and ``logs`` over the services of one state folder."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from banking.errors import ServiceUnavailable, UsageError
from banking.services import launch, probes, warmup
from banking.services.jars import ensure_jars
from banking.services.process import (
    ProcessRecord,
    is_alive,
    is_ours,
    read_record,
    remove_record,
    start_ticks,
    terminate,
    write_record,
)
from banking.services.settings import SERVICE_NAMES, ServiceSettings

Printer = Callable[[str], None]
LOG_TAIL_LINES = 30


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str  # "up", "down" or "unresponsive"
    detail: str

    @property
    def up(self) -> bool:
        return self.state == "up"

    def line(self) -> str:
        return f"{self.name + ':':9}{self.state:13}{self.detail}"


def select(only: str | None) -> tuple[str, ...]:
    if only is None:
        return SERVICE_NAMES
    if only not in SERVICE_NAMES:
        raise UsageError(f"unknown service {only!r}: choose one of {', '.join(SERVICE_NAMES)}")
    return (only,)


def answers(settings: ServiceSettings, name: str, timeout: float = 5.0) -> bool:
    if name == "gremlin":
        return probes.gremlin_answers(settings.gremlin_url, timeout)
    return probes.kafka_answers(settings.kafka_bootstrap, timeout)


def log_tail(settings: ServiceSettings, name: str, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = launch.log_path(settings, name).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _running(settings: ServiceSettings, name: str) -> ProcessRecord | None:
    """The live record we own for ``name``; a stale record is removed."""
    service_dir = settings.service_dir(name)
    record = read_record(service_dir)
    if record is None:
        return None
    if is_ours(record, settings.state_dir):
        return record
    remove_record(service_dir)
    return None


def _start(settings: ServiceSettings, name: str) -> ProcessRecord:
    for port in launch.ports(settings, name):
        if not probes.port_free(port):
            raise ServiceUnavailable(
                f"{name}: port {port} on 127.0.0.1 is already in use by a process not started "
                f"from {settings.state_dir}; pick other ports (GREMLIN_PORT, KAFKA_PORT)"
            )
    command = launch.prepare(settings, name)
    log = launch.log_path(settings, name)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=settings.service_dir(name),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ticks = start_ticks(process.pid)
    record = ProcessRecord(
        name=name,
        pid=process.pid,
        start_ticks=ticks if ticks is not None else -1,
        ports=launch.ports(settings, name),
        endpoint=settings.endpoint(name),
        log=str(log),
    )
    write_record(settings.service_dir(name), record)
    return record


def up(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Start what is not running, wait until each answers; idempotent."""
    names = select(only)
    pending: dict[str, tuple[ProcessRecord, float]] = {}
    begin = time.monotonic()
    to_start = []
    for name in names:
        record = _running(settings, name)
        if record is None:
            to_start.append(name)
        elif record.ports != launch.ports(settings, name):
            raise UsageError(
                f"{name} already runs from {settings.state_dir} on ports {record.ports}; "
                "run `down` before changing ports"
            )
        else:
            echo(f"{name}: already running (pid {record.pid}) {record.endpoint}")
    if to_start:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        if ensure_jars(settings.repo_root / "services", log=echo):
            echo(f"services: jars resolved in {time.monotonic() - begin:.1f} s")
    for name in to_start:
        settings.service_dir(name).mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        record = _start(settings, name)
        pending[name] = (record, started)
        echo(f"{name}: starting (pid {record.pid}), log {record.log}")
    _wait(settings, pending, begin, echo)
    return 0


def _wait(
    settings: ServiceSettings,
    pending: dict[str, tuple[ProcessRecord, float]],
    begin: float,
    echo: Printer,
) -> None:
    deadline = begin + settings.timeout_s
    failed: dict[str, str] = {}
    while pending:
        for name, (record, started) in list(pending.items()):
            if not is_alive(record.pid):
                failed[name] = "exited during start-up"
                del pending[name]
            elif answers(settings, name, timeout=5.0):
                elapsed = time.monotonic() - started
                echo(f"{name}: up (pid {record.pid}) {record.endpoint} in {elapsed:.1f} s")
                del pending[name]
        if pending and time.monotonic() > deadline:
            for name in pending:
                failed[name] = f"did not answer within {settings.timeout_s:.0f} s"
            break
        if pending:
            time.sleep(0.5)
    if not failed:
        return
    for name in failed:
        record = read_record(settings.service_dir(name))
        if record is not None and is_ours(record, settings.state_dir):
            terminate(record.pid)
        remove_record(settings.service_dir(name))
        print(f"--- last lines of {launch.log_path(settings, name)} ---", file=sys.stderr)
        print(log_tail(settings, name), file=sys.stderr)
    summary = "; ".join(f"{name} {reason}" for name, reason in failed.items())
    raise ServiceUnavailable(f"services not ready: {summary} (log tail above)")


def down(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Stop only the PIDs recorded here and proven ours; tolerate ones already gone."""
    for name in select(only):
        service_dir = settings.service_dir(name)
        record = read_record(service_dir)
        if record is None:
            echo(f"{name}: not running")
            continue
        if is_ours(record, settings.state_dir):
            terminate(record.pid)
            echo(f"{name}: stopped (pid {record.pid})")
        elif is_alive(record.pid):
            echo(f"{name}: pid {record.pid} is not a process started here; left alone")
        else:
            echo(f"{name}: already stopped (pid {record.pid})")
        remove_record(service_dir)
    return 0


def status_of(settings: ServiceSettings, name: str) -> ServiceState:
    record = read_record(settings.service_dir(name))
    if record is not None and is_ours(record, settings.state_dir):
        if answers(settings, name):
            return ServiceState(name, "up", f"pid {record.pid}  {record.endpoint}")
        return ServiceState(name, "unresponsive", f"pid {record.pid}  {record.endpoint}")
    port = launch.ports(settings, name)[0]
    note = ""
    if probes.port_open(port):
        note = f"  (port {port} is used by a process not started from this state folder)"
    return ServiceState(name, "down", f"{settings.endpoint(name)}{note}")


def status(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Print each service's state; non-zero when any is not up."""
    states = [status_of(settings, name) for name in select(only)]
    for state in states:
        echo(state.line())
    return 0 if all(s.up for s in states) else 1


def warm(
    settings: ServiceSettings,
    only: str | None = None,
    seconds: float = 20.0,
    echo: Printer = print,
) -> int:
    """A few seconds of benchmark-like traffic to each service (see ``warmup``); any service
    that answers, started here or not."""
    warmup.check_seconds(seconds)
    names = select(only)
    for name in names:
        if not answers(settings, name):
            raise ServiceUnavailable(
                f"{name} does not answer at {settings.endpoint(name)}: start it first "
                "(services/run.sh up)"
            )
    for name in names:
        started = time.monotonic()
        if name == "gremlin":
            done = f"{warmup.gremlin(settings.gremlin_url, seconds):,} elements written"
        else:
            done = f"{warmup.kafka(settings.kafka_bootstrap, seconds):,} messages fetched"
        echo(f"{name}: warmed, {done} in {time.monotonic() - started:.1f} s")
    return 0


def logs(
    settings: ServiceSettings, only: str | None = None, lines: int = 40, echo: Printer = print
) -> int:
    for name in select(only):
        echo(f"--- {launch.log_path(settings, name)} ---")
        echo(log_tail(settings, name, lines))
    return 0


def env_lines(settings: ServiceSettings) -> Sequence[str]:
    return (
        f"export GREMLIN_URL={settings.gremlin_url}",
        f"export KAFKA_BOOTSTRAP={settings.kafka_bootstrap}",
    )
