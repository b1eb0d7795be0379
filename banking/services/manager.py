"""``up``, ``down``, ``status`` and ``logs`` over the services of one state folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from banking.errors import ServiceUnavailable
from banking.services import cassandra, cluster, launch, probes, warmup
from banking.services.cluster import ClusterHealth
from banking.services.process import (
    ProcessRecord,
    is_alive,
    is_ours,
    read_record,
    remove_record,
    terminate_all,
)
from banking.services.settings import GRAPH_FILE, KAFKA_CLUSTER_FILE, SERVICE_NAMES, ServiceSettings
from banking.services.startup import up
from banking.services.units import answers, log_tail, select, units, units_on_disk

__all__ = ["answers", "down", "env_lines", "log_tail", "logs", "status", "up", "warm"]

Printer = Callable[[str], None]


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str  # "up", "down" or "unresponsive"
    detail: str

    @property
    def up(self) -> bool:
        return self.state == "up"

    def line(self) -> str:
        return f"{(self.name + ':').ljust(8)} {self.state:13}{self.detail}"


def down(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Stop only the PIDs recorded here and proven ours; tolerate ones already gone.

    Every node with a record in the state folder is stopped, whatever the layout, and the
    nodes of a cluster are stopped together; without ``only``, every service recorded here.
    """
    services = select(settings, only)
    names = list(units(settings, services))
    for service in SERVICE_NAMES if only is None else services:
        names += [n for n in units_on_disk(settings, service) if n not in names]
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
    if only in (None, "janusgraph"):
        (settings.state_dir / GRAPH_FILE).unlink(missing_ok=True)
    return 0


def status_of(settings: ServiceSettings, name: str) -> ServiceState:
    record = read_record(settings.service_dir(name))
    if record is not None and is_ours(record, settings.state_dir):
        if answers(settings, name):
            return ServiceState(name, "up", f"pid {record.pid}  {record.endpoint}")
        return ServiceState(name, "unresponsive", f"pid {record.pid}  {record.endpoint}")
    host, port = launch.bindings(settings, name)[0]
    note = ""
    if probes.port_open(port, host):
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
    states = [status_of(settings, name) for name in units(settings, select(settings, only))]
    health = None
    if settings.kafka_brokers > 1 and any(s.up and s.name.startswith("kafka") for s in states):
        health = cluster.fetch_health(settings.kafka_bootstrap)
    for line in cassandra.with_ring(settings, with_sync(settings, states, health)):
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
    names = [name for name in select(settings, only)]
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
        elif name == "janusgraph":
            written = warmup.gremlin(settings.janusgraph_url, seconds, in_flight=1)
            done = f"{written:,} elements written"
        else:
            done = f"{warmup.kafka(settings.kafka_bootstrap, seconds):,} messages fetched"
        echo(f"{name}: warmed, {done} in {time.monotonic() - started:.1f} s")
    return 0


def logs(
    settings: ServiceSettings, only: str | None = None, lines: int = 40, echo: Printer = print
) -> int:
    for name in units(settings, select(settings, only)):
        echo(f"--- {launch.log_path(settings, name)} ---")
        echo(log_tail(settings, name, lines))
    return 0


def env_lines(settings: ServiceSettings) -> Sequence[str]:
    """Export lines for the clients; JANUSGRAPH_URL when JanusGraph is one of the engines."""
    lines = [f"export GREMLIN_URL={settings.gremlin_url}"]
    if "janusgraph" in settings.graph_engines:
        lines.append(f"export JANUSGRAPH_URL={settings.janusgraph_url}")
    lines.append(f"export KAFKA_BOOTSTRAP={settings.kafka_bootstrap}")
    return tuple(lines)
