"""Where and how the services run: ports, state folder, heaps, read once from the environment."""

from __future__ import annotations

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

# The repository that holds services/pom.xml; jars are shared by every state folder.
REPO_ROOT = Path(__file__).resolve().parents[2]


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


def parse_timeout(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise UsageError(f"{name} must be positive, got {value!r}")
    return seconds


@dataclass(frozen=True)
class ServiceSettings:
    """Everything needed to render configs and start or find the services of one state folder."""

    gremlin_port: int = DEFAULT_GREMLIN_PORT
    kafka_port: int = DEFAULT_KAFKA_PORT
    kafka_controller_port: int = DEFAULT_KAFKA_PORT + 1
    state_dir: Path = REPO_ROOT / "services" / "state"
    gremlin_heap: str = DEFAULT_HEAP
    kafka_heap: str = DEFAULT_HEAP
    timeout_s: float = DEFAULT_TIMEOUT_S
    repo_root: Path = REPO_ROOT
    # Off by default: every start is a fresh broker, as TinkerGraph starts with an empty graph.
    keep_kafka_data: bool = False

    def __post_init__(self) -> None:
        ports = {
            "GREMLIN_PORT": self.gremlin_port,
            "KAFKA_PORT": self.kafka_port,
            "KAFKA_CONTROLLER_PORT": self.kafka_controller_port,
        }
        if len(set(ports.values())) != len(ports):
            listed = ", ".join(f"{k}={v}" for k, v in ports.items())
            raise UsageError(f"service ports must all differ, got {listed}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceSettings:
        """Settings from GREMLIN_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1),
        BANKING_SERVICES_STATE, GREMLIN_HEAP, KAFKA_HEAP and BANKING_SERVICES_TIMEOUT."""
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
        state = env.get("BANKING_SERVICES_STATE") or str(REPO_ROOT / "services" / "state")
        return cls(
            gremlin_port=gremlin_port,
            kafka_port=kafka_port,
            kafka_controller_port=controller_port,
            state_dir=Path(state).expanduser().resolve(),
            gremlin_heap=parse_heap(env.get("GREMLIN_HEAP", DEFAULT_HEAP), "GREMLIN_HEAP"),
            kafka_heap=parse_heap(env.get("KAFKA_HEAP", DEFAULT_HEAP), "KAFKA_HEAP"),
            timeout_s=parse_timeout(
                env.get("BANKING_SERVICES_TIMEOUT", DEFAULT_TIMEOUT_S), "BANKING_SERVICES_TIMEOUT"
            ),
        )

    @property
    def gremlin_url(self) -> str:
        return f"ws://{HOST}:{self.gremlin_port}/gremlin"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{HOST}:{self.kafka_port}"

    def endpoint(self, name: str) -> str:
        return self.gremlin_url if name == "gremlin" else self.kafka_bootstrap

    def service_dir(self, name: str) -> Path:
        return self.state_dir / name

    def lib_dir(self, name: str) -> Path:
        return self.repo_root / "services" / "lib" / name
