"""Is a Kafka cluster whole? Replica sync per node, from the brokers' own metadata.

A node that was killed and restarted answers long before it holds every message again: it
fetches what it missed from the partition leaders and rejoins each partition's in-sync replica
set (ISR) once it has caught up. So "caught up" means every partition replica assigned to the
node is in its partition's ISR, and the cluster is whole when no partition has fewer in-sync
replicas than replicas (0 under-replicated partitions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from banking.services.probes import kafka_admin


@dataclass(frozen=True)
class NodeSync:
    """How many partition replicas a node holds, and how many of them are in sync."""

    node_id: int
    replicas: int = 0
    in_sync: int = 0

    @property
    def caught_up(self) -> bool:
        return self.in_sync == self.replicas

    def describe(self) -> str:
        state = "in sync" if self.caught_up else "catching up"
        return f"{state} ({self.in_sync}/{self.replicas} replicas in ISR)"


@dataclass(frozen=True)
class ClusterHealth:
    """One metadata snapshot: registered (unfenced) brokers and the partitions' replica state."""

    brokers: tuple[int, ...]
    partitions: int
    under_replicated: int
    offline: int  # partitions without a leader
    nodes: Mapping[int, NodeSync] = field(default_factory=dict)

    def node(self, node_id: int) -> NodeSync:
        return self.nodes.get(node_id, NodeSync(node_id))

    def summary(self, expected_brokers: int) -> str:
        text = (
            f"{len(self.brokers)}/{expected_brokers} brokers registered, "
            f"{self.under_replicated} under-replicated of {self.partitions} partitions"
        )
        if self.offline:
            text += f", {self.offline} offline"
        return text


def health_from_metadata(
    brokers: Iterable[int], topics: Sequence[Mapping[str, Any]]
) -> ClusterHealth:
    """The health of a cluster from ``describe_cluster`` broker ids and ``describe_topics``
    entries (each with ``partitions`` holding ``replica_nodes``, ``isr_nodes`` and
    ``leader_id``), internal topics included."""
    counts: dict[int, list[int]] = {}
    partitions = under = offline = 0
    for topic in topics:
        for partition in topic.get("partitions") or ():
            replicas = list(partition.get("replica_nodes") or ())
            isr = set(partition.get("isr_nodes") or ())
            partitions += 1
            if len(isr) < len(replicas):
                under += 1
            if partition.get("leader_id", -1) < 0:
                offline += 1
            for replica in replicas:
                tally = counts.setdefault(replica, [0, 0])
                tally[0] += 1
                tally[1] += replica in isr
    nodes = {nid: NodeSync(nid, total, synced) for nid, (total, synced) in counts.items()}
    return ClusterHealth(tuple(sorted(set(brokers))), partitions, under, offline, nodes)


def fetch_health(bootstrap: str, timeout_s: float = 5.0) -> ClusterHealth | None:
    """A metadata snapshot through kafka-python's admin client, or None if no broker answers."""
    try:
        with kafka_admin(bootstrap, timeout_s, "banking-services-status") as admin:
            if admin is None:
                return None
            cluster = admin.describe_cluster()
            topics = admin.describe_topics()
    except Exception:
        return None
    ids = [b["broker_id"] for b in cluster.get("brokers") or () if not b.get("is_fenced")]
    return health_from_metadata(ids, topics)
