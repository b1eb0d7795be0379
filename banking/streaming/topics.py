"""Topic names and topic creation, shared by the producer, the consumer and the DLQ tools."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from banking.defaults import TOPIC_PREFIX
from banking.errors import ServiceUnavailable
from banking.services.settings import kafka_bootstrap
from banking.streaming.entities import spec_for

DEFAULT_PREFIX = TOPIC_PREFIX
DLQ_SUFFIX = "dlq"
# Copies of each partition on a cluster; with two of them required in sync (acks=all), any one
# broker may be lost without losing an acknowledged event or refusing new ones.
MAX_REPLICATION_FACTOR = 3
CLUSTER_MIN_INSYNC = 2


def bootstrap_servers(value: str | None = None) -> str:
    """The broker list: the argument, else ``KAFKA_BOOTSTRAP``, else the local service
    (read by banking.services.settings, the one module that reads the environment)."""
    return kafka_bootstrap(value)


def topic_for(entity: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``<prefix><plural entity name>``, e.g. ``banking.transactions``."""
    return prefix + spec_for(entity).plural


def dlq_topic(prefix: str = DEFAULT_PREFIX) -> str:
    return prefix + DLQ_SUFFIX


def entity_for_topic(topic: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """The plural entity name a topic carries, or None if it is not an entity topic."""
    if not topic.startswith(prefix):
        return None
    try:
        return spec_for(topic[len(prefix) :]).plural
    except ValueError:
        return None


def replication_for(brokers: int) -> int:
    """The replication factor for new topics on a cluster of ``brokers`` live brokers."""
    return max(1, min(MAX_REPLICATION_FACTOR, brokers))


# What to do when no broker answers: the tail of every such message.
START_ADVICE = "start it (banking services up) or pass --bootstrap / KAFKA_BOOTSTRAP"


@contextlib.contextmanager
def admin_client(bootstrap: str, timeout_s: float) -> Iterator[Any]:
    """A kafka-python admin client, closed on exit (a close that fails is not the error to
    report); a broker that does not answer is ``ServiceUnavailable`` naming what to do."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="banking-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except (KafkaError, OSError) as exc:
        raise ServiceUnavailable(
            f"Kafka does not answer at {bootstrap} ({exc}); {START_ADVICE}"
        ) from None
    try:
        yield admin
    finally:
        with contextlib.suppress(Exception):
            admin.close()


def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int | None = None,
    timeout_s: float = 10.0,
) -> None:
    """Create the topics that do not exist yet (existing ones are left as they are).

    Without an explicit ``replication_factor`` a topic gets min(3, brokers the cluster
    reports) copies, and with 3 copies ``min.insync.replicas=2``: on a three-node cluster a
    topic survives the loss of a broker, on the single local broker it still has one copy.
    """
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    wanted = list(dict.fromkeys(topics))
    with admin_client(bootstrap, timeout_s) as admin:
        try:
            existing = set(admin.list_topics())
            missing = [t for t in wanted if t not in existing]
            if not missing:
                return
            factor = replication_factor
            if factor is None:
                factor = replication_for(len(admin.describe_cluster().get("brokers") or ()))
            spec: dict = {"num_partitions": partitions, "replication_factor": factor}
            if factor >= MAX_REPLICATION_FACTOR:
                spec["configs"] = {"min.insync.replicas": str(CLUSTER_MIN_INSYNC)}
            new = {t: dict(spec) for t in missing}
            with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently
                admin.create_topics(new, timeout_ms=int(timeout_s * 1000), wait_for_metadata=True)
        except KafkaError as exc:
            raise ServiceUnavailable(
                f"Kafka at {bootstrap} could not create topics: {exc}"
            ) from None


def existing_topics(
    bootstrap: str, topics: Iterable[str], *, prefix: str, timeout_s: float = 10.0
) -> list[str]:
    """The ``topics`` that exist on the broker, in the order given; ``UsageError`` when none
    does, naming the prefixes the broker has.

    Readers (the consumer, the DLQ tools) call this instead of ``ensure_topics``: a reader that
    created its topics would turn a misspelt ``--topic-prefix`` into a run that reads nothing,
    successfully, and leaves empty topics behind."""
    from kafka.errors import KafkaError

    from banking.errors import UsageError
    from banking.streaming.entities import ENTITY_NAMES

    wanted = list(dict.fromkeys(topics))
    with admin_client(bootstrap, timeout_s) as admin:
        try:
            present = set(admin.list_topics())
        except KafkaError as exc:
            raise ServiceUnavailable(
                f"Kafka at {bootstrap} did not list its topics: {exc}"
            ) from None
    found = [t for t in wanted if t in present]
    if found:
        return found
    suffixes = [spec_for(e).plural for e in ENTITY_NAMES] + [DLQ_SUFFIX]
    prefixes = sorted(
        {
            topic[: -len(suffix)]
            for topic in present
            for suffix in suffixes
            if topic.endswith(suffix) and len(topic) > len(suffix)
        }
    )
    what = f"topic {wanted[0]!r}" if len(wanted) == 1 else f"topics with prefix {prefix!r}"
    shown = prefixes[:8] + ([f"and {len(prefixes) - 8} more"] if len(prefixes) > 8 else [])
    known = ", ".join(shown) if prefixes else "none (run `banking stream produce` first)"
    raise UsageError(f"no {what} at {bootstrap}; prefixes found: {known}; check --topic-prefix")
