"""Is a Gremlin URL the project's own server? Then a batched write may keep two requests in flight.

The project's Gremlin Server runs one traversal at a time (``gremlinPool: 1``, see
``banking.services.render``), so two requests of a batched write on the wire never run at once
and the second is decoded while the first runs. Another server may run them concurrently, and
TinkerGraph corrupts under concurrent writers (docs/performance/graph.md): it gets one.
"""

from __future__ import annotations

from urllib.parse import urlparse

from banking.defaults import IN_FLIGHT, OWN_SERVER_IN_FLIGHT
from banking.errors import UsageError
from banking.services.process import is_ours, read_record
from banking.services.settings import DEFAULT_GREMLIN_PORT, HOST, ServiceSettings

_LOOPBACK = {"localhost", HOST}


def _endpoint(url: str) -> tuple[str, str, int, str]:
    parsed = urlparse(url)
    host = parsed.hostname or ""
    try:
        port = parsed.port or DEFAULT_GREMLIN_PORT
    except ValueError:  # a port that is not a number: no server of ours
        port = -1
    return (
        parsed.scheme,
        HOST if host in _LOOPBACK else host,
        port,
        parsed.path.rstrip("/"),
    )


def is_own_gremlin(url: str, settings: ServiceSettings | None = None) -> bool:
    """True when ``url`` is the Gremlin Server that this checkout's state folder (``banking
    services up``, ``BANKING_SERVICES_STATE``) runs right now, proven by its process record."""
    try:
        settings = ServiceSettings.from_env() if settings is None else settings
    except UsageError:  # no checkout, or a bad service variable: nothing to vouch for
        return False
    record = read_record(settings.service_dir("gremlin"))
    return (
        record is not None
        and _endpoint(url) == _endpoint(record.endpoint)
        and is_ours(record, settings.state_dir)
    )


def gremlin_in_flight(url: str, settings: ServiceSettings | None = None) -> int:
    """Requests of a batched write on the wire at once for the server at ``url``: 2 for the
    project's own server, 1 for any other."""
    return OWN_SERVER_IN_FLIGHT if is_own_gremlin(url, settings) else IN_FLIGHT
