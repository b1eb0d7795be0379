"""Where and how the services run (ports, state folder, heaps) and where clients find them.

The one module of the package that reads environment variables: the services' own
(``ServiceSettings.from_env``), ``JAVA_HOME``, and the endpoints every client command and
library call falls back to (``GREMLIN_URL``, ``KAFKA_BOOTSTRAP``, see :func:`gremlin_url` and
:func:`kafka_bootstrap`). The endpoints live here because their defaults are the local
services' endpoints and ``banking services env`` prints exactly these variables. Importing
this module needs no checkout and nothing beyond the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from banking.errors import UsageError
from banking.services.nodes import CassandraNode, KafkaNode
from banking.services.parsing import (
    DEFAULT_ENGINES,
    ENGINE_SERVICES,
    HOST,
    parse_count,
    parse_engines,
    parse_heap,
    parse_port,
    parse_timeout,
)

# Every service (a group of processes) ``up`` knows; which start depends on the graph engines.
SERVICE_NAMES = ("gremlin", "kafka", "janusgraph")
DEFAULT_GREMLIN_PORT = 8182
DEFAULT_KAFKA_PORT = 9092
DEFAULT_JANUSGRAPH_PORT = 8184
DEFAULT_CASSANDRA_PORT = 9042
DEFAULT_CASSANDRA_STORAGE_PORT = 7000
DEFAULT_CASSANDRA_JMX_PORT = 7199
DEFAULT_HEAP = "1g"
# Cassandra 5.0.9 with -Xmx768m: ~1.2 GB RSS (heap, off-heap memtables, metaspace, threads).
DEFAULT_CASSANDRA_HEAP = "768m"
MAX_CASSANDRA_NODES = 3  # one per loopback address 127.0.0.1..3
DEFAULT_TIMEOUT_S = 180.0
# Replication factor (and so the most useful cluster size) for the cluster's topics.
MAX_REPLICATION = 3
MAX_KAFKA_BROKERS = 9
# The state folder records how many Kafka nodes its last ``up`` started, so that ``status``,
# ``down`` and ``logs`` find every node without being told.
KAFKA_CLUSTER_FILE = "kafka-cluster.json"
# ... and which graph engines and how many Cassandra nodes.
GRAPH_FILE = "graph.json"
HOME_ENV = "BANKING_HOME"
GREMLIN_URL_ENV = "GREMLIN_URL"
JANUSGRAPH_URL_ENV = "JANUSGRAPH_URL"
KAFKA_BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP"
# Where clients look when neither an option nor the environment names a server: the local
# services on their default ports.
DEFAULT_GREMLIN_URL = f"ws://{HOST}:{DEFAULT_GREMLIN_PORT}/gremlin"
DEFAULT_BOOTSTRAP = f"{HOST}:{DEFAULT_KAFKA_PORT}"
DEFAULT_JANUSGRAPH_URL = f"ws://{HOST}:{DEFAULT_JANUSGRAPH_PORT}/gremlin"
# The package's own checkout, when it is installed editable (or run from the source tree).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def gremlin_url(value: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The Gremlin Server a client talks to: ``value`` (an option), else ``GREMLIN_URL``, else
    the local service."""
    env = os.environ if env is None else env
    return value or env.get(GREMLIN_URL_ENV) or DEFAULT_GREMLIN_URL


def janusgraph_url(value: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The JanusGraph Server a client talks to: ``value``, else ``JANUSGRAPH_URL``, else the
    local service."""
    env = os.environ if env is None else env
    return value or env.get(JANUSGRAPH_URL_ENV) or DEFAULT_JANUSGRAPH_URL


def kafka_bootstrap(value: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The Kafka brokers a client talks to: ``value`` (an option), else ``KAFKA_BOOTSTRAP``,
    else the local service."""
    env = os.environ if env is None else env
    return value or env.get(KAFKA_BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP


def java_home(env: Mapping[str, str] | None = None) -> Path | None:
    """``JAVA_HOME`` when it is set."""
    env = os.environ if env is None else env
    home = env.get("JAVA_HOME")
    return Path(home) if home else None


def is_checkout(path: Path) -> bool:
    """True for a repository checkout: it holds services/pom.xml and the banking package."""
    return (path / "services" / "pom.xml").is_file() and (path / "banking").is_dir()


def find_repo_root(
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    package_root: Path = _PACKAGE_ROOT,
) -> Path:
    """The checkout whose services/ (poms, jars, default state folder) the services use.

    ``BANKING_HOME`` when set; else the first checkout from the current directory upwards;
    else the package's own location when that is a checkout (an editable install). A
    non-editable install lives in site-packages, which is no checkout: without this search
    ``banking services`` would look for its poms and state folder there.
    """
    env = os.environ if env is None else env
    home = env.get(HOME_ENV)
    if home:
        root = Path(home).expanduser().resolve()
        if not is_checkout(root):
            raise UsageError(
                f"{HOME_ENV}={home} is not a banking-graph-bench checkout "
                "(no services/pom.xml and banking/ there)"
            )
        return root
    start = (Path.cwd() if cwd is None else cwd).resolve()
    for candidate in (start, *start.parents):
        if is_checkout(candidate):
            return candidate
    if is_checkout(package_root):
        return package_root
    raise UsageError(
        "the services need the repository checkout (services/pom.xml): run this from the "
        f"checkout or set {HOME_ENV} to it"
    )


def parse_brokers(value: str | int, name: str) -> int:
    """A number of Kafka nodes, 1 to MAX_KAFKA_BROKERS."""
    return parse_count(value, name, MAX_KAFKA_BROKERS, "brokers")


def parse_cassandra_nodes(value: str | int, name: str) -> int:
    """A number of Cassandra nodes, 1 to MAX_CASSANDRA_NODES (one loopback address each)."""
    return parse_count(value, name, MAX_CASSANDRA_NODES, "Cassandra nodes")


def _recorded(state_dir: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((state_dir / name).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recorded_brokers(state_dir: Path) -> int | None:
    """The cluster size the state folder's last ``up`` recorded, or None."""
    try:
        return parse_brokers(_recorded(state_dir, KAFKA_CLUSTER_FILE)["brokers"], "brokers")
    except (KeyError, UsageError):
        return None


def recorded_graph(state_dir: Path) -> tuple[tuple[str, ...] | None, int | None]:
    """The graph engines and Cassandra node count the state folder's last ``up`` recorded."""
    data = _recorded(state_dir, GRAPH_FILE)
    try:
        engines = parse_engines(data["engines"], "engines") if "engines" in data else None
        nodes = data.get("cassandra_nodes")
        return engines, parse_cassandra_nodes(nodes, "nodes") if nodes is not None else None
    except UsageError:
        return None, None


@dataclass(frozen=True)
class ServiceSettings:
    """Everything needed to render configs and start or find the services of one state folder.

    ``state_dir`` and ``repo_root`` default to the checkout :func:`find_repo_root` finds.
    """

    gremlin_port: int = DEFAULT_GREMLIN_PORT
    kafka_port: int = DEFAULT_KAFKA_PORT
    kafka_controller_port: int = DEFAULT_KAFKA_PORT + 1
    state_dir: Path = None  # type: ignore[assignment]  # filled in by __post_init__
    gremlin_heap: str = DEFAULT_HEAP
    kafka_heap: str = DEFAULT_HEAP
    timeout_s: float = DEFAULT_TIMEOUT_S
    repo_root: Path = None  # type: ignore[assignment]  # filled in by __post_init__
    # Off by default: every start is a fresh broker (and a fresh Cassandra), as TinkerGraph
    # starts with an empty graph. ``up --keep-data`` keeps both.
    keep_kafka_data: bool = False
    # 1: the single broker "kafka"; n > 1: nodes "kafka-1".."kafka-n", each broker+controller.
    kafka_brokers: int = 1
    # The graph engines whose servers ``up`` starts (gremlin for tinkergraph; Cassandra and
    # JanusGraph Server for janusgraph).
    graph_engines: tuple[str, ...] = DEFAULT_ENGINES
    janusgraph_port: int = DEFAULT_JANUSGRAPH_PORT
    janusgraph_heap: str = DEFAULT_HEAP
    cassandra_port: int = DEFAULT_CASSANDRA_PORT
    cassandra_storage_port: int = DEFAULT_CASSANDRA_STORAGE_PORT
    cassandra_jmx_port: int = DEFAULT_CASSANDRA_JMX_PORT
    cassandra_heap: str = DEFAULT_CASSANDRA_HEAP
    cassandra_nodes: int = 1

    def __post_init__(self) -> None:
        if self.repo_root is None:
            object.__setattr__(self, "repo_root", find_repo_root())
        if self.state_dir is None:
            object.__setattr__(self, "state_dir", self.repo_root / "services" / "state")
        parse_brokers(self.kafka_brokers, "the number of Kafka brokers")
        parse_cassandra_nodes(self.cassandra_nodes, "the number of Cassandra nodes")
        object.__setattr__(self, "graph_engines", parse_engines(self.graph_engines, "--graph"))
        ports = {"GREMLIN_PORT": self.gremlin_port}
        for node in self.kafka_nodes:
            if self.kafka_brokers == 1:
                ports["KAFKA_PORT"] = node.port
                ports["KAFKA_CONTROLLER_PORT"] = node.controller_port
            else:
                ports[f"{node.name} port"] = node.port
                ports[f"{node.name} controller port"] = node.controller_port
        # Every port a process binds on 127.0.0.1 (other nodes use the same numbers elsewhere).
        ports["JANUSGRAPH_PORT"] = self.janusgraph_port
        ports["CASSANDRA_PORT"] = self.cassandra_port
        ports["CASSANDRA_STORAGE_PORT"] = self.cassandra_storage_port
        for node in self.cassandra_layout:
            ports[f"{node.name} JMX port"] = node.jmx_port
        too_high = {k: v for k, v in ports.items() if v > 65535}
        if too_high:
            listed = ", ".join(f"{k}={v}" for k, v in too_high.items())
            raise UsageError(f"service ports must be at most 65535, got {listed}: lower them")
        if len(set(ports.values())) != len(ports):
            listed = ", ".join(f"{k}={v}" for k, v in ports.items())
            raise UsageError(f"service ports must all differ, got {listed}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceSettings:
        """Settings from GREMLIN_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1),
        KAFKA_BROKERS (default: what the state folder recorded, else 1), JANUSGRAPH_PORT,
        CASSANDRA_PORT, CASSANDRA_STORAGE_PORT, CASSANDRA_JMX_PORT, CASSANDRA_NODES and the
        graph engines (default: recorded, else 1 and tinkergraph), BANKING_SERVICES_STATE,
        GREMLIN_HEAP, KAFKA_HEAP, JANUSGRAPH_HEAP, CASSANDRA_HEAP, BANKING_SERVICES_TIMEOUT and
        BANKING_HOME."""
        env = os.environ if env is None else env
        gremlin_port = parse_port(env.get("GREMLIN_PORT", DEFAULT_GREMLIN_PORT), "GREMLIN_PORT")
        kafka_port = parse_port(env.get("KAFKA_PORT", DEFAULT_KAFKA_PORT), "KAFKA_PORT")
        if kafka_port == 65535 and "KAFKA_CONTROLLER_PORT" not in env:
            raise UsageError(
                "KAFKA_PORT=65535 leaves no port for the controller: set KAFKA_CONTROLLER_PORT"
            )
        controller_port = parse_port(
            env.get("KAFKA_CONTROLLER_PORT", kafka_port + 1), "KAFKA_CONTROLLER_PORT"
        )
        root = find_repo_root(env=env)
        state = env.get("BANKING_SERVICES_STATE") or str(root / "services" / "state")
        state_dir = Path(state).expanduser().resolve()
        if env.get("KAFKA_BROKERS"):
            brokers = parse_brokers(env["KAFKA_BROKERS"], "KAFKA_BROKERS")
        else:
            brokers = recorded_brokers(state_dir) or 1
        engines, nodes = recorded_graph(state_dir)
        if env.get("CASSANDRA_NODES"):
            nodes = parse_cassandra_nodes(env["CASSANDRA_NODES"], "CASSANDRA_NODES")

        def port(name: str, default: int) -> int:
            return parse_port(env.get(name, default), name)

        def heap(name: str, default: str) -> str:
            return parse_heap(env.get(name, default), name)

        return cls(
            gremlin_port=gremlin_port,
            kafka_port=kafka_port,
            kafka_controller_port=controller_port,
            state_dir=state_dir,
            gremlin_heap=heap("GREMLIN_HEAP", DEFAULT_HEAP),
            kafka_heap=heap("KAFKA_HEAP", DEFAULT_HEAP),
            timeout_s=parse_timeout(
                env.get("BANKING_SERVICES_TIMEOUT", DEFAULT_TIMEOUT_S), "BANKING_SERVICES_TIMEOUT"
            ),
            repo_root=root,
            kafka_brokers=brokers,
            graph_engines=engines or DEFAULT_ENGINES,
            janusgraph_port=port("JANUSGRAPH_PORT", DEFAULT_JANUSGRAPH_PORT),
            janusgraph_heap=heap("JANUSGRAPH_HEAP", DEFAULT_HEAP),
            cassandra_port=port("CASSANDRA_PORT", DEFAULT_CASSANDRA_PORT),
            cassandra_storage_port=port("CASSANDRA_STORAGE_PORT", DEFAULT_CASSANDRA_STORAGE_PORT),
            cassandra_jmx_port=port("CASSANDRA_JMX_PORT", DEFAULT_CASSANDRA_JMX_PORT),
            cassandra_heap=heap("CASSANDRA_HEAP", DEFAULT_CASSANDRA_HEAP),
            cassandra_nodes=nodes or 1,
        )

    @property
    def kafka_nodes(self) -> tuple[KafkaNode, ...]:
        """The Kafka nodes: node i listens on KAFKA_PORT+2(i-1), its controller one above (node
        1 keeps KAFKA_CONTROLLER_PORT); a single node keeps the name and folder ``kafka``."""
        if self.kafka_brokers == 1:
            return (KafkaNode("kafka", 1, self.kafka_port, self.kafka_controller_port),)
        nodes = [KafkaNode("kafka-1", 1, self.kafka_port, self.kafka_controller_port)]
        for node_id in range(2, self.kafka_brokers + 1):
            port = self.kafka_port + 2 * (node_id - 1)
            nodes.append(KafkaNode(f"kafka-{node_id}", node_id, port, port + 1))
        return tuple(nodes)

    def kafka_node(self, name: str) -> KafkaNode:
        for node in self.kafka_nodes:
            if node.name == name:
                return node
        raise UsageError(f"no Kafka node {name!r} in a {self.kafka_brokers}-broker layout")

    @property
    def cassandra_layout(self) -> tuple[CassandraNode, ...]:
        """The Cassandra nodes: node i on 127.0.0.i with the same native and storage ports,
        JMX on 127.0.0.1 at CASSANDRA_JMX_PORT+(i-1); a single node is named ``cassandra``."""
        single = self.cassandra_nodes == 1
        return tuple(
            CassandraNode(
                "cassandra" if single else f"cassandra-{i}",
                i,
                self.cassandra_port,
                self.cassandra_storage_port,
                self.cassandra_jmx_port + i - 1,
            )
            for i in range(1, self.cassandra_nodes + 1)
        )

    def cassandra_node(self, name: str) -> CassandraNode:
        for node in self.cassandra_layout:
            if node.name == name:
                return node
        raise UsageError(f"no Cassandra node {name!r} in a {self.cassandra_nodes}-node layout")

    @property
    def graph_replication(self) -> int:
        """Copies of the graph's keyspace: one per Cassandra node, at most three."""
        return min(MAX_REPLICATION, self.cassandra_nodes)

    @property
    def services(self) -> tuple[str, ...]:
        """The services ``up`` starts by default: the graph engines' servers and Kafka."""
        graph = {ENGINE_SERVICES[engine] for engine in self.graph_engines}
        return tuple(name for name in SERVICE_NAMES if name in graph or name == "kafka")

    @property
    def replication_factor(self) -> int:
        """Replication of the internal topics (and the default for new ones)."""
        return min(MAX_REPLICATION, self.kafka_brokers)

    @property
    def min_insync_replicas(self) -> int:
        """2 when 3 copies exist: one broker may be lost without refusing acks=all writes."""
        return 2 if self.replication_factor >= 3 else 1

    def unit_names(self, service: str) -> tuple[str, ...]:
        """The processes of one service: ``gremlin``, each Kafka node, or each Cassandra node
        and then ``janusgraph`` (which needs its storage first)."""
        if service == "gremlin":
            return ("gremlin",)
        if service == "janusgraph":
            return (*(node.name for node in self.cassandra_layout), "janusgraph")
        return tuple(node.name for node in self.kafka_nodes)

    @property
    def gremlin_url(self) -> str:
        return f"ws://{HOST}:{self.gremlin_port}/gremlin"

    @property
    def janusgraph_url(self) -> str:
        return f"ws://{HOST}:{self.janusgraph_port}/gremlin"

    @property
    def kafka_bootstrap(self) -> str:
        """Every node's broker listener, so that clients survive the loss of any one."""
        return ",".join(node.bootstrap for node in self.kafka_nodes)

    @property
    def cassandra_hosts(self) -> str:
        """Every Cassandra node's address, for JanusGraph's ``storage.hostname``."""
        return ",".join(node.host for node in self.cassandra_layout)

    def endpoint(self, name: str) -> str:
        if name == "gremlin":
            return self.gremlin_url
        if name == "janusgraph":
            return self.janusgraph_url
        if name == "kafka":
            return self.kafka_bootstrap
        if name.startswith("cassandra"):
            return self.cassandra_node(name).endpoint
        return self.kafka_node(name).bootstrap

    def service_dir(self, name: str) -> Path:
        return self.state_dir / name

    def lib_dir(self, name: str) -> Path:
        """The jars of a process: services/lib/<module>/ (a node uses its service's)."""
        module = name.split("-")[0]
        return self.repo_root / "services" / "lib" / module
