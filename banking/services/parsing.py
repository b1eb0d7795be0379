"""Values of the services' settings from user input, each a one-line UsageError when wrong.

Pure functions (no environment, no files): ``banking.services.settings`` reads the variables
and the recorded layouts and hands their text here.
"""

from __future__ import annotations

from collections.abc import Sequence

from banking.errors import UsageError

HOST = "127.0.0.1"  # every service binds the loopback address only
# Graph engines ``up --graph`` knows: the service (process group) that serves each.
ENGINE_SERVICES = {"tinkergraph": "gremlin", "janusgraph": "janusgraph"}
DEFAULT_ENGINES = ("tinkergraph",)


def parse_port(value: str | int, name: str) -> int:
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


def parse_count(value: str | int, name: str, most: int, what: str) -> int:
    """A number of nodes, 1 to ``most``."""
    try:
        count = int(str(value).strip(), 10)
    except ValueError:
        raise UsageError(f"{name} must be a number of {what}, got {value!r}") from None
    if not 1 <= count <= most:
        raise UsageError(f"{name} must be between 1 and {most}, got {count}")
    return count


def parse_timeout(value: str | float, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"{name} must be a number of seconds, got {value!r}") from None
    if seconds <= 0:
        raise UsageError(f"{name} must be positive, got {value!r}")
    return seconds


def parse_engines(value: str | Sequence[str], name: str) -> tuple[str, ...]:
    """Graph engines as ``tinkergraph,janusgraph`` (or a sequence): known names, no repeats,
    in the order of ``ENGINE_SERVICES``."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    engines = [part.strip().lower() for part in parts if part.strip()]
    unknown = [engine for engine in engines if engine not in ENGINE_SERVICES]
    if unknown or not engines:
        known = ", ".join(ENGINE_SERVICES)
        raise UsageError(f"{name} must name graph engines among {known}, got {value!r}")
    return tuple(engine for engine in ENGINE_SERVICES if engine in engines)
