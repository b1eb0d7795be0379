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

from banking.errors import UsageError

SERVICE_NAMES = ("gremlin", "kafka")
DEFAULT_GREMLIN_PORT = 8182
DEFAULT_KAFKA_PORT = 9092
DEFAULT_HEAP = "1g"
DEFAULT_TIMEOUT_S = 180.0
HOST = "127.0.0.1"
# Replication factor (and so the most useful cluster size) for the cluster's topics.
MAX_REPLICATION = 3
MAX_KAFKA_BROKERS = 9
# The state folder records how many Kafka nodes its last ``up`` started, so that ``status``,
# ``down`` and ``logs`` find every node without being told.
KAFKA_CLUSTER_FILE = "kafka-cluster.json"
HOME_ENV = "BANKING_HOME"
GREMLIN_URL_ENV = "GREMLIN_URL"
KAFKA_BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP"
# Where clients look when neither an option nor the environment names a server: the local
# services on their default ports.
DEFAULT_GREMLIN_URL = f"ws://{HOST}:{DEFAULT_GREMLIN_PORT}/gremlin"
DEFAULT_BOOTSTRAP = f"{HOST}:{DEFAULT_KAFKA_PORT}"
# The package's own checkout, when it is installed editable (or run from the source tree).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def gremlin_url(value: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The Gremlin Server a client talks to: ``value`` (an option), else ``GREMLIN_URL``, else
    the local service."""
    env = os.environ if env is None else env
    return value or env.get(GREMLIN_URL_ENV) or DEFAULT_GREMLIN_URL


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


def parse_port(value: str, name: str) -> int:
    """A TCP port from user input, or a one-line UsageError naming the variable."""
    try:
        port = int(str(value).strip(), 10)
    except ValueError:
        raise UsageError(f"{name} must be a port number, got {value!r}") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"{name} must be between 1 and 65535, got {port}")
    return port


def parse_heap(value: str, name: str) -> str:
    """A JVM heap size such as ``512m`` or ``1g`` (passed to -Xmx)."""
    text = str(value).strip().lower()
    if not text[:-1].isdigit() or text[-1] not in "kmg" or int(text[:-1]) <= 0:
        raise UsageError(f"{name} must look like 512m or 1g, got {value!r}")
    return text


def parse_brokers(value: str | int, name: str) -> int:
    """A number of Kafka nodes, 1 to MAX_KAFKA_BROKERS."""
    try:
        count = int(str(value).strip(), 10)
    except ValueError:
        raise UsageError(f"{name} must be a number of brokers, got {value!r}") from None
    if not 1 <= count <= MAX_KAFKA_BROKERS:
        raise UsageError(f"{name} must be between 1 and {MAX_KAFKA_BROKERS}, got {count}")
    return count


def recorded_brokers(state_dir: Path) -> int | None:
    """The cluster size the state folder's last ``up`` recorded, or None."""
    try:
        return parse_brokers(
            json.loads((state_dir / KAFKA_CLUSTER_FILE).read_text())["brokers"], "brokers"
        )
    except (OSError, ValueError, KeyError, TypeError, UsageError):
        return None


def parse_timeout(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise UsageError(f"{name} must be positive, got {value!r}")
    return seconds


@dataclass(frozen=True)
class KafkaNode:
    """One KRaft node (broker and controller in one JVM) of the state folder's cluster."""

    name: str  # "kafka" for a single node, "kafka-<id>" in a cluster
    node_id: int
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"


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
    # Off by default: every start is a fresh broker, as TinkerGraph starts with an empty graph.
    keep_kafka_data: bool = False
    # 1: the single broker "kafka"; n > 1: nodes "kafka-1".."kafka-n", each broker+controller.
    kafka_brokers: int = 1

    def __post_init__(self) -> None:
        if self.repo_root is None:
            object.__setattr__(self, "repo_root", find_repo_root())
        if self.state_dir is None:
            object.__setattr__(self, "state_dir", self.repo_root / "services" / "state")
        parse_brokers(self.kafka_brokers, "the number of Kafka brokers")
        ports = {"GREMLIN_PORT": self.gremlin_port}
        for node in self.kafka_nodes:
            if self.kafka_brokers == 1:
                ports["KAFKA_PORT"] = node.port
                ports["KAFKA_CONTROLLER_PORT"] = node.controller_port
            else:
                ports[f"{node.name} port"] = node.port
                ports[f"{node.name} controller port"] = node.controller_port
        too_high = {k: v for k, v in ports.items() if v > 65535}
        if too_high:
            listed = ", ".join(f"{k}={v}" for k, v in too_high.items())
            raise UsageError(f"service ports must be at most 65535, got {listed}: lower KAFKA_PORT")
        if len(set(ports.values())) != len(ports):
            listed = ", ".join(f"{k}={v}" for k, v in ports.items())
            raise UsageError(f"service ports must all differ, got {listed}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceSettings:
        """Settings from GREMLIN_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1),
        KAFKA_BROKERS (default: what the state folder recorded, else 1), BANKING_SERVICES_STATE,
        GREMLIN_HEAP, KAFKA_HEAP, BANKING_SERVICES_TIMEOUT and BANKING_HOME."""
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
        return cls(
            gremlin_port=gremlin_port,
            kafka_port=kafka_port,
            kafka_controller_port=controller_port,
            state_dir=state_dir,
            gremlin_heap=parse_heap(env.get("GREMLIN_HEAP", DEFAULT_HEAP), "GREMLIN_HEAP"),
            kafka_heap=parse_heap(env.get("KAFKA_HEAP", DEFAULT_HEAP), "KAFKA_HEAP"),
            timeout_s=parse_timeout(
                env.get("BANKING_SERVICES_TIMEOUT", DEFAULT_TIMEOUT_S), "BANKING_SERVICES_TIMEOUT"
            ),
            repo_root=root,
            kafka_brokers=brokers,
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
    def replication_factor(self) -> int:
        """Replication of the internal topics (and the default for new ones)."""
        return min(MAX_REPLICATION, self.kafka_brokers)

    @property
    def min_insync_replicas(self) -> int:
        """2 when 3 copies exist: one broker may be lost without refusing acks=all writes."""
        return 2 if self.replication_factor >= 3 else 1

    def unit_names(self, service: str) -> tuple[str, ...]:
        """The processes of one service: ``gremlin``, or each Kafka node."""
        if service == "gremlin":
            return ("gremlin",)
        return tuple(node.name for node in self.kafka_nodes)

    @property
    def gremlin_url(self) -> str:
        return f"ws://{HOST}:{self.gremlin_port}/gremlin"

    @property
    def kafka_bootstrap(self) -> str:
        """Every node's broker listener, so that clients survive the loss of any one."""
        return ",".join(node.bootstrap for node in self.kafka_nodes)

    def endpoint(self, name: str) -> str:
        if name == "gremlin":
            return self.gremlin_url
        if name == "kafka":
            return self.kafka_bootstrap
        return self.kafka_node(name).bootstrap

    def service_dir(self, name: str) -> Path:
        return self.state_dir / name

    def lib_dir(self, name: str) -> Path:
        service = "gremlin" if name == "gremlin" else "kafka"
        return self.repo_root / "services" / "lib" / service
