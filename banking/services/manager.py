"""``up``, ``down``, ``status`` and ``logs`` over the services of one state folder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from banking.errors import ServiceUnavailable, UsageError
from banking.services import cluster, launch, probes, warmup
from banking.services.cluster import ClusterHealth
from banking.services.jars import ensure_jars
from banking.services.process import (
    RECORD,
    ProcessRecord,
    is_alive,
    is_ours,
    read_record,
    remove_record,
    start_ticks,
    terminate,
    terminate_all,
    write_record,
)
from banking.services.settings import KAFKA_CLUSTER_FILE, SERVICE_NAMES, ServiceSettings

Printer = Callable[[str], None]
LOG_TAIL_LINES = 30
_KAFKA_UNIT = re.compile(r"kafka(-[0-9]+)?")


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


def units(settings: ServiceSettings, services: Sequence[str]) -> tuple[str, ...]:
    """The processes of ``services``: ``gremlin`` and each Kafka node of the layout."""
    return tuple(name for service in services for name in settings.unit_names(service))


def answers(settings: ServiceSettings, name: str, timeout: float = 5.0) -> bool:
    if name == "gremlin":
        return probes.gremlin_answers(settings.gremlin_url, timeout)
    if name == "kafka":
        return probes.kafka_answers(settings.kafka_bootstrap, timeout)
    node = settings.kafka_node(name)
    node_id = node.node_id if settings.kafka_brokers > 1 else None
    return probes.kafka_answers(node.bootstrap, timeout, node_id=node_id)


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


def _kafka_units_on_disk(settings: ServiceSettings) -> tuple[str, ...]:
    """Kafka nodes with a PID record in the state folder, whatever layout started them."""
    if not settings.state_dir.is_dir():
        return ()
    found = [
        path.parent.name
        for path in settings.state_dir.glob(f"kafka*/{RECORD}")
        if _KAFKA_UNIT.fullmatch(path.parent.name)
    ]
    return tuple(sorted(found, key=lambda n: (len(n), n)))


def _foreign_kafka(settings: ServiceSettings) -> list[str]:
    """Live Kafka nodes of this state folder that are not part of the requested layout."""
    layout = set(settings.unit_names("kafka"))
    return [
        name
        for name in _kafka_units_on_disk(settings)
        if name not in layout and _running(settings, name) is not None
    ]


def _record_cluster(settings: ServiceSettings) -> None:
    path = settings.state_dir / KAFKA_CLUSTER_FILE
    nodes = [{"name": n.name, "node_id": n.node_id, "port": n.port} for n in settings.kafka_nodes]
    path.write_text(json.dumps({"brokers": settings.kafka_brokers, "nodes": nodes}, indent=2))


def _start(settings: ServiceSettings, name: str, command: list[str]) -> ProcessRecord:
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


def _check_ports_free(settings: ServiceSettings, names: Sequence[str]) -> None:
    for name in names:
        for port in launch.ports(settings, name):
            if not probes.port_free(port):
                raise ServiceUnavailable(
                    f"{name}: port {port} on 127.0.0.1 is already in use by a process not "
                    f"started from {settings.state_dir}; pick other ports (GREMLIN_PORT, "
                    "KAFKA_PORT)"
                )


def up(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Start what is not running, wait until each answers; idempotent.

    A Kafka node that is missing while others of its cluster still run is started again on
    its kept data folder (it rejoins and catches up); when no node runs the cluster starts
    fresh, unless ``keep_kafka_data``.
    """
    services = select(only)
    names = units(settings, services)
    pending: dict[str, tuple[ProcessRecord, float]] = {}
    begin = time.monotonic()
    if "kafka" in services:
        foreign = _foreign_kafka(settings)
        if foreign:
            raise UsageError(
                f"Kafka runs from {settings.state_dir} as {', '.join(foreign)}, not as the "
                f"{settings.kafka_brokers}-broker layout asked for; run `down` first"
            )
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
    kafka_nodes = set(settings.unit_names("kafka"))
    rejoin = settings.kafka_brokers > 1 and any(
        name in kafka_nodes and name not in to_start for name in names
    )
    if to_start:
        _check_ports_free(settings, to_start)
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        if ensure_jars(settings.repo_root / "services", log=echo):
            echo(f"services: jars resolved in {time.monotonic() - begin:.1f} s")
        for name in to_start:
            settings.service_dir(name).mkdir(parents=True, exist_ok=True)
        keep = settings.keep_kafka_data or rejoin
        # Formatting a data folder runs a JVM: the nodes of a cluster format at the same time.
        with ThreadPoolExecutor(max_workers=len(to_start)) as pool:
            commands = dict(
                zip(
                    to_start,
                    pool.map(lambda name: launch.prepare(settings, name, keep_data=keep), to_start),
                    strict=True,
                )
            )
        if any(name in kafka_nodes for name in to_start):
            _record_cluster(settings)
        for name in to_start:
            started = time.monotonic()
            record = _start(settings, name, commands[name])
            pending[name] = (record, started)
            kept = " (data kept: rejoins its cluster)" if rejoin and name in kafka_nodes else ""
            echo(f"{name}: starting (pid {record.pid}){kept}, log {record.log}")
        _wait(settings, pending, begin, echo)
    if settings.kafka_brokers > 1 and "kafka" in services:
        health = cluster.fetch_health(settings.kafka_bootstrap)
        if health is not None:
            echo(f"{'cluster:':9}{health.summary(settings.kafka_brokers)}")
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
    """Stop only the PIDs recorded here and proven ours; tolerate ones already gone.

    Every Kafka node with a record in the state folder is stopped, whatever the layout, and
    the nodes of a cluster are stopped together.
    """
    services = select(only)
    names = list(units(settings, services))
    if "kafka" in services:
        names += [n for n in _kafka_units_on_disk(settings) if n not in names]
    ours: list[tuple[str, ProcessRecord]] = []
    for name in names:
        service_dir = settings.service_dir(name)
        record = read_record(service_dir)
        if record is None:
            echo(f"{name}: not running")
        elif is_ours(record, settings.state_dir):
            ours.append((name, record))
        elif is_alive(record.pid):
            echo(f"{name}: pid {record.pid} is not a process started here; left alone")
            remove_record(service_dir)
        else:
            echo(f"{name}: already stopped (pid {record.pid})")
            remove_record(service_dir)
    terminate_all([record.pid for _, record in ours])
    for name, record in ours:
        echo(f"{name}: stopped (pid {record.pid})")
        remove_record(settings.service_dir(name))
    if "kafka" in services:
        (settings.state_dir / KAFKA_CLUSTER_FILE).unlink(missing_ok=True)
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


def with_sync(
    settings: ServiceSettings, states: list[ServiceState], health: ClusterHealth | None
) -> list[str]:
    """Status lines; in a cluster each running node says whether it is in sync, and a last
    ``cluster:`` line counts the registered brokers and under-replicated partitions."""
    lines = []
    for state in states:
        line = state.line()
        if settings.kafka_brokers > 1 and state.name in settings.unit_names("kafka"):
            node_id = settings.kafka_node(state.name).node_id
            if health is not None and state.state != "down":
                if node_id in health.brokers:
                    line += "  " + health.node(node_id).describe()
                else:
                    line += "  not registered with the controller"
        lines.append(line)
    if settings.kafka_brokers > 1 and any(s.name.startswith("kafka") for s in states):
        if health is None:
            lines.append(f"{'cluster:':9}no broker answers a metadata request")
        else:
            lines.append(f"{'cluster:':9}{health.summary(settings.kafka_brokers)}")
    return lines


def status(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Print each service's state; non-zero when any is not up."""
    states = [status_of(settings, name) for name in units(settings, select(only))]
    health = None
    if settings.kafka_brokers > 1 and any(s.up and s.name != "gremlin" for s in states):
        health = cluster.fetch_health(settings.kafka_bootstrap)
    for line in with_sync(settings, states, health):
        echo(line)
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
    for name in units(settings, select(only)):
        echo(f"--- {launch.log_path(settings, name)} ---")
        echo(log_tail(settings, name, lines))
    return 0


def env_lines(settings: ServiceSettings) -> Sequence[str]:
    return (
        f"export GREMLIN_URL={settings.gremlin_url}",
        f"export KAFKA_BOOTSTRAP={settings.kafka_bootstrap}",
    )
