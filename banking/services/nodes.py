"""The nodes of the clustered services: where each Kafka or Cassandra node listens."""

from __future__ import annotations

from dataclasses import dataclass

from banking.services.parsing import HOST


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
class CassandraNode:
    """One Cassandra node: its own loopback address (node i on 127.0.0.i, so every node keeps
    the same native and storage ports, as on separate machines) and its own JMX port."""

    name: str  # "cassandra" for a single node, "cassandra-<i>" in a cluster
    index: int
    port: int  # native (CQL) port
    storage_port: int
    jmx_port: int  # always on 127.0.0.1

    @property
    def host(self) -> str:
        return f"127.0.0.{self.index}"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"
