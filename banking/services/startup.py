"""``up``: start what is not running, in stages, and wait until each process answers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from banking.errors import ServiceUnavailable, UsageError
from banking.services import cassandra, cluster, janusgraph, launch, probes, render
from banking.services.jars import ensure_jars
from banking.services.process import (
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
from banking.services.settings import (
    ENGINE_SERVICES,
    GRAPH_FILE,
    KAFKA_CLUSTER_FILE,
    ServiceSettings,
)
from banking.services.units import (
    answers,
    foreign,
    log_tail,
    running,
    select,
    units,
    units_on_disk,
)

Printer = Callable[[str], None]


class GraphNotOpened(ServiceUnavailable):
    """JanusGraph Server runs but its graph did not open (it may on a second start)."""


def _record_graph(settings: ServiceSettings) -> None:
    """Record the graph engines asked for and those still running, and the Cassandra size."""
    live = [
        engine
        for engine, service in ENGINE_SERVICES.items()
        if any(running(settings, name) for name in units_on_disk(settings, service))
    ]
    engines = [e for e in ENGINE_SERVICES if e in settings.graph_engines or e in live]
    data = {"engines": engines, "cassandra_nodes": settings.cassandra_nodes}
    (settings.state_dir / GRAPH_FILE).write_text(json.dumps(data, indent=2))


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
        for host, port in launch.bindings(settings, name):
            if not probes.port_free(port, host):
                raise ServiceUnavailable(
                    f"{name}: port {port} on {host} is already in use by a process not "
                    f"started from {settings.state_dir}; pick other ports (GREMLIN_PORT, "
                    "KAFKA_PORT, JANUSGRAPH_PORT, CASSANDRA_PORT, ...), log "
                    f"{launch.log_path(settings, name)} (not started)"
                )


def up(settings: ServiceSettings, only: str | None = None, echo: Printer = print) -> int:
    """Start what is not running, wait until each answers; idempotent.

    A Kafka or Cassandra node that is missing while others of its cluster (or, for Cassandra,
    the JanusGraph Server) still run is started again on its kept data folder (it rejoins and
    catches up); otherwise a service starts fresh, unless ``keep_kafka_data``. Cassandra
    answers before JanusGraph starts. If anything fails, what this call started is stopped.
    """
    services = select(settings, only)
    names = units(settings, services)
    begin = time.monotonic()
    layouts = {
        "kafka": f"Kafka runs from {{}} as {{}}, not as the {settings.kafka_brokers}-broker layout",
        "janusgraph": f"Cassandra runs from {{}} as {{}}, not as the "
        f"{settings.cassandra_nodes}-node layout",
    }
    for service, message in layouts.items():
        others = foreign(settings, service) if service in services else []
        if others:
            found = message.format(settings.state_dir, ", ".join(others))
            raise UsageError(f"{found} asked for; run `down` first")
    to_start = []
    for name in names:
        record = running(settings, name)
        if record is None:
            to_start.append(name)
        elif record.ports != launch.ports(settings, name):
            raise UsageError(
                f"{name} already runs from {settings.state_dir} on ports {record.ports}; "
                "run `down` before changing ports"
            )
        else:
            echo(f"{name}: already running (pid {record.pid}) {record.endpoint}")
    kept = {
        name
        for service in ("kafka", "janusgraph")
        for name in _rejoining(settings, service, names, to_start)
    }
    if to_start:
        _check_ports_free(settings, to_start)
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        if ensure_jars(settings.repo_root / "services", log=echo):
            echo(f"services: jars resolved in {time.monotonic() - begin:.1f} s")
        started: list[str] = []
        try:
            # Storage first: JanusGraph fails to open its graph without a Cassandra answering.
            for stage in ([n for n in to_start if n != "janusgraph"], ["janusgraph"]):
                stage = [name for name in stage if name in to_start]
                if stage == ["janusgraph"]:
                    cassandra.create_graph_tables(settings, render.JANUSGRAPH_KEYSPACE)
                if stage:
                    _start_stage(settings, stage, kept, begin, echo, started)
        except BaseException:
            _stop_started(settings, started)
            raise
    if any(name in settings.unit_names("janusgraph") for name in names):
        _record_graph(settings)
    if settings.kafka_brokers > 1 and "kafka" in services:
        health = cluster.fetch_health(settings.kafka_bootstrap)
        if health is not None:
            echo(f"{'cluster:':9}{health.summary(settings.kafka_brokers)}")
    return 0


def _rejoining(
    settings: ServiceSettings, service: str, names: Sequence[str], to_start: Sequence[str]
) -> list[str]:
    """Nodes of ``service`` to start on their kept data: others of it still run (a Kafka or
    Cassandra cluster, or the JanusGraph Server over a lost single Cassandra node)."""
    group = set(settings.unit_names(service))
    if service == "kafka" and settings.kafka_brokers == 1:
        return []
    if not any(name in group and name not in to_start for name in names):
        return []
    nodes = [name for name in to_start if name in group and name != "janusgraph"]
    return nodes


def _start_stage(
    settings: ServiceSettings,
    stage: list[str],
    kept: set[str],
    begin: float,
    echo: Printer,
    started: list[str],
) -> None:
    """Prepare, start and wait for the processes of one stage (``started`` gets each one)."""
    for name in stage:
        settings.service_dir(name).mkdir(parents=True, exist_ok=True)

    def prepare(name: str) -> list[str]:
        keep = settings.keep_kafka_data or name in kept
        try:
            return launch.prepare(settings, name, keep_data=keep)
        except ServiceUnavailable as exc:
            raise ServiceUnavailable(f"{name}: {exc}") from None

    # Formatting a data folder runs a JVM: the nodes of a cluster format at the same time.
    with ThreadPoolExecutor(max_workers=len(stage)) as pool:
        commands = dict(zip(stage, pool.map(prepare, stage), strict=True))
    if any(name in settings.unit_names("kafka") for name in stage):
        _record_cluster(settings)
    for attempt in range(1, janusgraph.GRAPH_ATTEMPTS + 1):
        pending: dict[str, tuple[ProcessRecord, float]] = {}
        for name in stage:
            record = _start(settings, name, commands[name])
            if name not in started:
                started.append(name)
            pending[name] = (record, time.monotonic())
            note = " (data kept: rejoins its cluster)" if name in kept else ""
            echo(f"{name}: starting (pid {record.pid}){note}, log {record.log}")
        try:
            _wait(settings, pending, begin, echo)
            return
        except GraphNotOpened as exc:
            if attempt == janusgraph.GRAPH_ATTEMPTS:
                raise
            echo(f"janusgraph: {exc}; starting it again")


def _stop_started(settings: ServiceSettings, started: Sequence[str]) -> None:
    """Stop the processes this ``up`` started (a failed start leaves nothing behind)."""
    ours = []
    for name in started:
        record = read_record(settings.service_dir(name))
        if record is not None and is_ours(record, settings.state_dir):
            ours.append(record.pid)
        remove_record(settings.service_dir(name))
    terminate_all(ours)


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
            elif name == "janusgraph" and (why := _graph_failure(settings)):
                failed[name] = f"opened no graph ({why})"
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
    summary = "; ".join(
        f"{name} {reason} (log {launch.log_path(settings, name)})"
        for name, reason in failed.items()
    )
    graph_only = set(failed) == {"janusgraph"} and failed["janusgraph"].startswith("opened no")
    raise (GraphNotOpened if graph_only else ServiceUnavailable)(f"services not ready: {summary}")


def _graph_failure(settings: ServiceSettings) -> str | None:
    try:
        return janusgraph.graph_failure(launch.log_path(settings, "janusgraph").read_text())
    except OSError:
        return None
