"""The processes of each service in one state folder: which exist, which run, which answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from banking.errors import UsageError
from banking.services import cassandra, launch, probes
from banking.services.process import RECORD, ProcessRecord, is_ours, read_record, remove_record
from banking.services.settings import SERVICE_NAMES, ServiceSettings

LOG_TAIL_LINES = 30
# The processes of each service, whatever layout started them.
_UNITS = {
    "gremlin": re.compile(r"gremlin"),
    "kafka": re.compile(r"kafka(-[0-9]+)?"),
    "janusgraph": re.compile(r"cassandra(-[0-9]+)?|janusgraph"),
}


def select(settings: ServiceSettings, only: str | None) -> tuple[str, ...]:
    """``only``, else the services of the settings' graph engines and Kafka."""
    if only is None:
        return settings.services
    if only not in SERVICE_NAMES:
        raise UsageError(f"unknown service {only!r}: choose one of {', '.join(SERVICE_NAMES)}")
    return (only,)


def units(settings: ServiceSettings, services: Sequence[str]) -> tuple[str, ...]:
    """The processes of ``services``: ``gremlin`` and each Kafka node of the layout."""
    return tuple(name for service in services for name in settings.unit_names(service))


def answers(settings: ServiceSettings, name: str, timeout: float = 5.0) -> bool:
    if name == "gremlin":
        return probes.gremlin_answers(settings.gremlin_url, timeout)
    if name == "janusgraph":
        return probes.gremlin_answers(settings.janusgraph_url, timeout)
    if name.startswith("cassandra"):
        return cassandra.answers(settings, name, timeout)
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


def running(settings: ServiceSettings, name: str) -> ProcessRecord | None:
    """The live record we own for ``name``; a stale record is removed."""
    service_dir = settings.service_dir(name)
    record = read_record(service_dir)
    if record is None:
        return None
    if is_ours(record, settings.state_dir):
        return record
    remove_record(service_dir)
    return None


def units_on_disk(settings: ServiceSettings, service: str) -> tuple[str, ...]:
    """A service's processes with a PID record in the state folder, whatever layout started
    them (storage nodes before the server that uses them)."""
    if not settings.state_dir.is_dir():
        return ()
    found = [
        path.parent.name
        for path in settings.state_dir.glob(f"*/{RECORD}")
        if _UNITS[service].fullmatch(path.parent.name)
    ]
    return tuple(sorted(found, key=lambda n: (n == "janusgraph", len(n), n)))


def foreign(settings: ServiceSettings, service: str) -> list[str]:
    """Live nodes of this state folder's service that are not part of the requested layout."""
    layout = set(settings.unit_names(service))
    return [
        name
        for name in units_on_disk(settings, service)
        if name not in layout and running(settings, name) is not None
    ]
