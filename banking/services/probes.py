"""Real readiness checks: a Gremlin bytecode traversal and a Kafka metadata request."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

from banking.errors import BankingError
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
    """``g.inject(1)`` answers 1, through the repository's bounded connection (every wait has
    a timeout; a closed port fails at its TCP probe at once)."""
    from banking_repository import GraphRepository
    from banking_repository.connection import quiet_server_errors

    try:
        # A server up without its graph answers an error; the probe's answer says so.
        with (
            quiet_server_errors(),
            GraphRepository(url, timeout_s=timeout, retries=0, in_flight=1) as repo,
        ):
            return repo.health()
    except BankingError:  # a URL the repository refuses is no server that answers
        return False


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """The logger's records below CRITICAL dropped for the block only: a probe of a broker
    that is down is expected to fail, and says so by its answer, not by kafka-python's logs."""
    logger = logging.getLogger(logger_name)
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


@contextlib.contextmanager
def kafka_admin(bootstrap: str, timeout: float, client_id: str) -> Iterator[Any | None]:
    """A kafka-python admin client with bounded waits, closed on exit, or None when no broker
    answers; kafka-python's logs are quiet meanwhile. Errors of the block are the caller's."""
    from kafka import KafkaAdminClient

    ms = int(timeout * 1000)
    with _quiet("kafka"):
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                request_timeout_ms=ms,
                bootstrap_timeout_ms=ms,
                client_id=client_id,
            )
        except Exception:
            admin = None
        try:
            yield admin
        finally:
            if admin is not None:
                with contextlib.suppress(Exception):
                    admin.close()


def kafka_answers(bootstrap: str, timeout: float = 10.0, node_id: int | None = None) -> bool:
    """A cluster metadata request through kafka-python's admin client names at least one broker
    (``node_id``: names that node, registered with the controller and not fenced)."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    if not port_open(int(port), host or HOST):
        return False
    try:
        with kafka_admin(bootstrap, timeout, "banking-services-probe") as admin:
            if admin is None:
                return False
            cluster = admin.describe_cluster()
            admin.list_topics()
    except Exception:
        return False
    brokers = [b for b in cluster.get("brokers") or () if not b.get("is_fenced")]
    if node_id is not None:
        return any(b.get("broker_id") == node_id for b in brokers)
    return bool(brokers)
