"""Real readiness checks: a Gremlin bytecode traversal and a Kafka metadata request."""

from __future__ import annotations

import contextlib
import logging
import socket
from urllib.parse import urlparse

from banking.services.settings import HOST


def port_open(port: int, host: str = HOST, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port and we could bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return not port_open(port, host, timeout=0.2)


def gremlin_answers(url: str, timeout: float = 10.0) -> bool:
    """``g.inject(1)`` through gremlinpython answers 1."""
    from gremlin_python.driver.driver_remote_connection import DriverRemoteConnection
    from gremlin_python.process.anonymous_traversal import traversal

    parsed = urlparse(url)
    if not port_open(parsed.port or 8182, parsed.hostname or HOST):
        return False  # spares gremlinpython's noisy failed-connection clean-up
    connection = None
    try:
        connection = DriverRemoteConnection(url, "g")
        g = traversal().with_remote(connection)
        return g.inject(1).promise().result(timeout=timeout) is not None
    except Exception:
        return False
    finally:
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def kafka_answers(bootstrap: str, timeout: float = 10.0, node_id: int | None = None) -> bool:
    """A cluster metadata request through kafka-python's admin client names at least one broker
    (``node_id``: names that node, registered with the controller and not fenced)."""
    from kafka import KafkaAdminClient

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    if not port_open(int(port), host or HOST):
        return False
    admin = None
    ms = int(timeout * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=ms,
            bootstrap_timeout_ms=ms,
            client_id="banking-services-probe",
        )
        cluster = admin.describe_cluster()
        admin.list_topics()
        brokers = [b for b in cluster.get("brokers") or () if not b.get("is_fenced")]
        if node_id is not None:
            return any(b.get("broker_id") == node_id for b in brokers)
        return bool(brokers)
    except Exception:
        return False
    finally:
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()
