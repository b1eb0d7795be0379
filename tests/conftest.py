"""Shared fixtures: a Gremlin Server, a JanusGraph Server on Cassandra and a Kafka broker owned
by the test session.

Integration tests never talk to services they did not start: the first test that asks for
``gremlin_url``, ``janusgraph_url`` or ``kafka_bootstrap`` starts the services the selected
tests need (through
``banking.services.manager.up``, the code behind ``services/run.sh up``, with the checkout's
jars) on free ports, in a state folder under the session's temporary directory. They are
stopped and their folder removed at the end of the session, also when tests fail or the run is
interrupted; a watchdog process does it if pytest itself is killed. ``GREMLIN_URL``,
``JANUSGRAPH_URL`` and ``KAFKA_BOOTSTRAP`` are ignored, so a graph a user loaded is never
touched. JanusGraph's Cassandra node takes its native, storage and JMX ports from the same
pool of free ports.

Without Java or Maven the integration tests are skipped with the reason, unless
``BANKING_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then any service that cannot be started is
a failure, as CI must never pass by skipping. A service that Java and Maven are there for but
that does not start is always a failure. ``BANKING_TEST_PORTS=LOW-HIGH`` confines the ports
the tests take (default: any free port the kernel offers).

Tests that kill or restart a server (tests/integration/faults) take services of their own from
``service_factory`` and never touch the session's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from banking.errors import BankingError

REQUIRE_ENV = "BANKING_REQUIRE_SERVICES"
PORTS_ENV = "BANKING_TEST_PORTS"
# The services of session_services (JanusGraph has a folder of its own: session_janusgraph).
SERVICE_FIXTURES = {"gremlin": "gremlin_url", "kafka": "kafka_bootstrap"}
GREMLIN_HEAP = "1g"
KAFKA_HEAP = "512m"
JANUSGRAPH_HEAP = "512m"
CASSANDRA_HEAP = "768m"
# Engine of each graph service (ServiceSettings.graph_engines).
ENGINES = {"gremlin": "tinkergraph", "janusgraph": "janusgraph"}

# Stops the services of a state folder once the pytest process (its parent) has gone, however
# it went (kill -9 included), then removes the folder. argv: parent pid, state folder.
_WATCHDOG = """
import os, shutil, sys, time
from pathlib import Path
parent, state = int(sys.argv[1]), Path(sys.argv[2])
while os.getppid() == parent:
    time.sleep(1.0)
from banking.services import manager
from banking.services.settings import ServiceSettings
manager.down(ServiceSettings(state_dir=state), echo=lambda line: None)
shutil.rmtree(state, ignore_errors=True)
"""


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


class PortPool:
    """Free TCP ports on 127.0.0.1, none handed out twice in a session (a port given to a
    service that has not bound it yet still looks free)."""

    def __init__(self, spec: str | None = None) -> None:
        self.range: range | None = None
        if spec:
            low, _, high = spec.partition("-")
            try:
                self.range = range(int(low), int(high or low) + 1)
            except ValueError:
                raise pytest.UsageError(f"{PORTS_ENV} must look like 19400-19499") from None
        self.taken: set[int] = set()
        self._lock = threading.Lock()

    def take(self, count: int, hosts: tuple[str, ...] = ("127.0.0.1",)) -> list[int]:
        """``count`` ports free on every one of ``hosts`` (a Cassandra cluster's nodes use the
        same ports on 127.0.0.1, .2 and .3)."""
        from banking.services.probes import port_free

        with self._lock:
            found: list[int] = []
            for port in self._candidates():
                free = all(port_free(port, host) for host in hosts)
                if port not in self.taken and port not in found and free:
                    found.append(port)
                    if len(found) == count:
                        self.taken.update(found)
                        return found
        where = f"in {PORTS_ENV}={os.environ.get(PORTS_ENV)}" if self.range else "on 127.0.0.1"
        raise pytest.UsageError(f"no {count} free ports {where}")

    def take_block(self, count: int) -> list[int]:
        """``count`` consecutive free ports."""
        from banking.services.probes import port_free

        with self._lock:
            for base in self._candidates():
                block = list(range(base, base + count))
                if block[-1] > 65535 or any(port in self.taken for port in block):
                    continue
                if all(port_free(port) for port in block):
                    self.taken.update(block)
                    return block
        raise pytest.UsageError(f"no {count} consecutive free ports")

    def _candidates(self) -> Iterable[int]:
        if self.range is not None:
            yield from self.range
            return
        for _ in range(20):
            with ExitStack() as stack:
                socks = [stack.enter_context(socket.socket()) for _ in range(8)]
                for sock in socks:
                    sock.bind(("127.0.0.1", 0))
                ports = [sock.getsockname()[1] for sock in socks]
            yield from ports


class OwnedServices:
    """Gremlin Server and/or Kafka of one state folder of the test session's own, started on
    demand through ``banking.services.manager`` (the code behind ``services/run.sh``)."""

    def __init__(self, state_dir: Path, ports: PortPool, cassandra_nodes: int = 1) -> None:
        from banking.services.settings import ServiceSettings

        gremlin, kafka, controller, janusgraph = ports.take(4)
        hosts = tuple(f"127.0.0.{i}" for i in range(1, cassandra_nodes + 1))
        native, storage = ports.take(2, hosts)
        jmx = ports.take_block(cassandra_nodes)  # node i's JMX port is the first + i-1
        self.settings = ServiceSettings(
            gremlin_port=gremlin,
            kafka_port=kafka,
            kafka_controller_port=controller,
            state_dir=state_dir,
            gremlin_heap=GREMLIN_HEAP,
            kafka_heap=KAFKA_HEAP,
            janusgraph_port=janusgraph,
            janusgraph_heap=JANUSGRAPH_HEAP,
            cassandra_port=native,
            cassandra_storage_port=storage,
            cassandra_jmx_port=jmx[0],
            cassandra_heap=CASSANDRA_HEAP,
            cassandra_nodes=cassandra_nodes,
        )
        self.failure: tuple[bool, str] | None = None  # (skip?, reason), kept for later tests
        self._watchdog: subprocess.Popen | None = None
        self._stopped = False

    @property
    def gremlin_url(self) -> str:
        return self.settings.gremlin_url

    @property
    def janusgraph_url(self) -> str:
        return self.settings.janusgraph_url

    @property
    def kafka_bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def ensure(self, names: Iterable[str], keep_kafka_data: bool = False) -> None:
        """Start whichever of ``names`` is not running (idempotent); skip or fail the calling
        test with the reason when they cannot be started."""
        from banking.services import manager

        if self.failure is None:
            wanted = sorted(set(names))
            engines = tuple(ENGINES[name] for name in wanted if name in ENGINES)
            settings = replace(
                self.settings,
                keep_kafka_data=keep_kafka_data,
                graph_engines=engines or ("tinkergraph",),
            )
            lines: list[str] = []
            missing = self._missing_tool()
            if missing is not None:
                self.failure = (not services_required(), f"services for the tests: {missing}")
            else:
                self._start_watchdog()
                # Kafka and the graph servers start together; without Kafka, one by one.
                batches = [None] if "kafka" in wanted and engines else wanted
                try:
                    for only in batches:
                        manager.up(settings, only=only, echo=lines.append)
                except BankingError as exc:
                    where = self.settings.state_dir
                    self.failure = (False, f"services for the tests in {where}: {exc}")
                    with contextlib.suppress(BankingError):
                        manager.down(self.settings, echo=lambda line: None)
        if self.failure is not None:
            skip, reason = self.failure
            (pytest.skip if skip else pytest.fail)(reason)

    def _missing_tool(self) -> str | None:
        """Why Java, or Maven while the jars are not resolved yet, is missing (a skip)."""
        from banking.errors import ServiceUnavailable
        from banking.services.jars import jars_complete
        from banking.services.launch import java_binary

        try:
            java_binary()
        except ServiceUnavailable as exc:
            return str(exc)
        if not jars_complete(self.settings.repo_root / "services") and not shutil.which("mvn"):
            return "Maven (mvn) is not on PATH to resolve the service jars"
        return None

    def _start_watchdog(self) -> None:
        if self._watchdog is not None:
            return
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.settings.state_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C of the terminal must not end it first
        )

    def kill(self, name: str) -> int:
        """SIGKILL the service's JVM (only this folder's, proven ours); its pid."""
        from banking.services.process import is_alive, is_ours, read_record

        record = read_record(self.settings.service_dir(name))
        assert record is not None and is_ours(record, self.settings.state_dir), name
        os.kill(record.pid, signal.SIGKILL)
        while is_alive(record.pid):
            threading.Event().wait(0.05)
        return record.pid

    def stop(self) -> None:
        """Stop both services and remove the state folder; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        from banking.services import manager

        with contextlib.suppress(Exception):
            manager.down(self.settings, echo=lambda line: None)
        shutil.rmtree(self.settings.state_dir, ignore_errors=True)
        if self._watchdog is not None and self._watchdog.poll() is None:
            self._watchdog.kill()
            self._watchdog.wait()


class ServiceFactory:
    """Hands out ``OwnedServices`` with their own ports and folders, and stops every one of
    them at the end of the session (finalizer, atexit and SIGTERM alike)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.ports = PortPool(os.environ.get(PORTS_ENV))
        self.owned: list[OwnedServices] = []

    def create(self, name: str, cassandra_nodes: int = 1) -> OwnedServices:
        state = self.base / f"{name}-{len(self.owned)}"
        services = OwnedServices(state, self.ports, cassandra_nodes)
        self.owned.append(services)
        return services

    def stop_all(self) -> None:
        for services in reversed(self.owned):
            services.stop()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def service_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceFactory]:
    """Makes service pairs of the session's own (the fault tests start dedicated ones)."""
    factory = ServiceFactory(tmp_path_factory.mktemp("services"))
    atexit.register(factory.stop_all)
    # A plain `kill` of pytest: stop like Ctrl-C does, so finalizers run.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note which shared services the selected tests need, to start them together."""
    config.stash[_NEEDED] = {
        name
        for item in items
        for name, fixture in SERVICE_FIXTURES.items()
        if fixture in getattr(item, "fixturenames", ())
    }


_NEEDED = pytest.StashKey[set]()


@pytest.fixture(scope="session")
def session_services(
    request: pytest.FixtureRequest, service_factory: ServiceFactory
) -> OwnedServices:
    return service_factory.create("session")


def _ensure_shared(request: pytest.FixtureRequest, services: OwnedServices, name: str) -> None:
    needed = request.config.stash.get(_NEEDED, set()) | {name}
    services.ensure(needed)


@pytest.fixture(scope="session")
def gremlin_url(request: pytest.FixtureRequest, session_services: OwnedServices) -> str:
    """The session's own Gremlin Server (empty when the session starts)."""
    _ensure_shared(request, session_services, "gremlin")
    return session_services.gremlin_url


@pytest.fixture(scope="session")
def session_janusgraph(service_factory: ServiceFactory) -> OwnedServices:
    """JanusGraph's own state folder: a failed Cassandra or JanusGraph start fails the tests
    that asked for it, never the Gremlin Server and Kafka tests."""
    return service_factory.create("janusgraph")


@pytest.fixture(scope="session")
def janusgraph_url(session_janusgraph: OwnedServices) -> str:
    """The session's own JanusGraph Server on one Cassandra node (an empty graph with the
    schema of banking.graph.schema when the session starts)."""
    session_janusgraph.ensure(["janusgraph"])
    return session_janusgraph.janusgraph_url


@pytest.fixture(scope="session")
def kafka_bootstrap(request: pytest.FixtureRequest, session_services: OwnedServices) -> str:
    """The session's own Kafka broker (no topics when the session starts)."""
    _ensure_shared(request, session_services, "kafka")
    return session_services.kafka_bootstrap
