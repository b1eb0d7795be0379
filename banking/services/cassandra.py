"""Cassandra nodes for JanusGraph's CQL backend: configs, command lines and ring membership.

Each node runs ``CassandraDaemon`` from the cassandra-all jars with its own folder
(``$STATE/cassandra`` or ``$STATE/cassandra-<i>``: conf, data, commitlog, hints, log) and its
own loopback address (node i on 127.0.0.i, the way Cassandra's test tool ccm runs a cluster on
one machine). All nodes are seeds with one token each, evenly spaced: nothing bootstraps or
streams, so the nodes of a fresh cluster start at the same time, and a node restarted on its
kept folder takes its old place in the ring. Start-up waits are cut for one machine (no wait
for gossip to settle, a short ring delay).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from banking.errors import ServiceUnavailable
from banking.services import cql, render
from banking.services.jars import classpath
from banking.services.nodes import CassandraNode
from banking.services.settings import ServiceSettings

MAIN = "org.apache.cassandra.service.CassandraDaemon"
CLUSTER_NAME = "banking-graph-bench"
DATACENTER = "datacenter1"  # SimpleSnitch's
RING_DELAY_MS = 1000
_DATA_DIRS = ("data", "commitlog", "saved_caches", "hints", "cdc_raw")
# Cassandra 5.0's conf/jvm17-server.options (JPMS part), without which it cannot start on 17.
_EXPORTS = (
    "java.base/jdk.internal.misc",
    "java.base/jdk.internal.ref",
    "java.base/sun.nio.ch",
    "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.rmi/sun.rmi.registry",
    "java.rmi/sun.rmi.server",
    "java.sql/java.sql",
    "java.base/java.lang.ref",
    "jdk.unsupported/sun.misc",
)
_OPENS = (
    "java.base/java.lang.module",
    "java.base/jdk.internal.loader",
    "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect",
    "java.base/jdk.internal.math",
    "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar",
    "jdk.management/com.sun.management.internal",
    "java.base/sun.nio.ch",
    "java.base/java.io",
    "java.base/java.nio",
    "java.base/java.lang.reflect",
    "java.base/java.lang",
    "java.base/java.util",
    "java.base/java.util.concurrent",
    "java.base/java.util.concurrent.atomic",
    "java.base/java.net",
)
JPMS = [f"--add-exports={p}=ALL-UNNAMED" for p in _EXPORTS] + [
    f"--add-opens={p}=ALL-UNNAMED" for p in _OPENS
]


def initial_token(index: int, nodes: int) -> int:
    """Node ``index``'s token: the Murmur3 range split evenly (node 1 at its minimum)."""
    return -(2**63) + (index - 1) * (2**64 // nodes)


def cassandra_yaml(settings: ServiceSettings, node: CassandraNode, node_dir: Path) -> str:
    """One node's cassandra.yaml: loopback address, its folders, every node a seed."""
    seeds = ",".join(f"{n.host}:{n.storage_port}" for n in settings.cassandra_layout)
    dirs = {name: node_dir / name for name in _DATA_DIRS}
    return f"""\
# Written by banking.services; node {node.index} of {settings.cassandra_nodes} on {node.host}.
cluster_name: {CLUSTER_NAME}
num_tokens: 1
initial_token: {initial_token(node.index, settings.cassandra_nodes)}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{seeds}"
listen_address: {node.host}
rpc_address: {node.host}
storage_port: {node.storage_port}
native_transport_port: {node.port}
start_native_transport: true
data_file_directories: ["{dirs["data"]}"]
commitlog_directory: "{dirs["commitlog"]}"
saved_caches_directory: "{dirs["saved_caches"]}"
hints_directory: "{dirs["hints"]}"
cdc_raw_directory: "{dirs["cdc_raw"]}"
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 32MiB
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
auto_snapshot: false
snapshot_before_compaction: false
disk_access_mode: mmap_index_only
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_compactors: 1
memtable_heap_space: 128MiB
memtable_offheap_space: 128MiB
key_cache_size: 16MiB
hinted_handoff_enabled: true
max_hint_window: 3h
read_request_timeout: 5000ms
write_request_timeout: 5000ms
# A table's id derives from its keyspace and name, so a table created on two nodes at once is
# one table (``create_graph_tables`` creates on a node the schema push did not reach).
use_deterministic_table_id: true
"""


def jamm_agent(lib_dir: Path) -> str:
    """``-javaagent:`` the jamm jar (Cassandra measures object sizes with it)."""
    found = sorted(lib_dir.glob("jamm-*.jar"))
    return f"-javaagent:{found[-1]}" if found else "-Dbanking.services.no-jamm=true"


def prepare(
    settings: ServiceSettings, name: str, base: list[str], keep_data: bool = False
) -> list[str]:
    """Write one node's configs (a fresh data folder unless ``keep_data``); its command line.

    ``base`` is the JVM and the project's marker options (``launch``).
    """
    node = settings.cassandra_node(name)
    node_dir = settings.service_dir(name)
    conf = node_dir / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    if not keep_data:
        for folder in _DATA_DIRS:
            shutil.rmtree(node_dir / folder, ignore_errors=True)
    (conf / "cassandra.yaml").write_text(cassandra_yaml(settings, node, node_dir))
    (conf / "logback.xml").write_text(render.logback_xml((("org.apache.cassandra", "INFO"),)))
    lib = settings.lib_dir(name)
    return [
        *base,
        f"-Xms{settings.cassandra_heap}",
        f"-Xmx{settings.cassandra_heap}",
        "-Xss256k",
        "-XX:+UseG1GC",
        "-XX:+ParallelRefProcEnabled",
        "-XX:MaxTenuringThreshold=1",
        "-XX:+PerfDisableSharedMem",
        "-Djdk.attach.allowAttachSelf=true",
        "-Dio.netty.tryReflectionSetAccessible=true",
        *JPMS,
        jamm_agent(lib),
        f"-Dcassandra.config=file://{conf / 'cassandra.yaml'}",
        "-Dcassandra-foreground=yes",
        f"-Dcassandra.storagedir={node_dir}",
        f"-Dcassandra.logdir={node_dir}",
        f"-Dlogback.configurationFile={conf / 'logback.xml'}",
        f"-Dcassandra.jmx.local.port={node.jmx_port}",
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        f"-Dcassandra.ring_delay_ms={RING_DELAY_MS}",
        "-Dcassandra.superuser_setup_delay_ms=0",
        "-cp",
        classpath(lib, conf),
        MAIN,
    ]


def answers(settings: ServiceSettings, name: str, timeout: float = 3.0) -> bool:
    """The node answers CQL, has joined its ring (bootstrap COMPLETED) and knows every other
    node of the layout (so JanusGraph, started next, finds the whole cluster)."""
    node = settings.cassandra_node(name)
    view = cql.answers(node.host, node.port, timeout)
    others = {n.host for n in settings.cassandra_layout if n.name != name}
    return view is not None and view.joined and others <= set(view.peers)


def describe(settings: ServiceSettings, name: str) -> str:
    """``joined, sees 2 of 2 peers`` for a status line; what the node says of the ring."""
    node = settings.cassandra_node(name)
    view = cql.answers(node.host, node.port)
    if view is None:
        return "no CQL answer"
    others = {n.host for n in settings.cassandra_layout if n.name != node.name}
    seen = len(others & set(view.peers))
    state = "joined" if view.joined else f"bootstrap {view.bootstrapped.lower()}"
    if not others:
        return state
    return f"{state}, knows {seen} of {len(others)} peers"


def with_ring(settings: ServiceSettings, lines: list[str]) -> list[str]:
    """Status lines with each running Cassandra node's view of its ring, and for a cluster a
    last ``ring:`` line counting the nodes that answer and have joined."""
    names = {node.name for node in settings.cassandra_layout}
    out, joined, shown = [], 0, False
    for line in lines:
        name = line.split(":", 1)[0]
        if name in names:
            shown = True
            if " down " not in line:
                view = describe(settings, name)
                joined += view.startswith("joined")
                line += "  " + view
        out.append(line)
    if shown and settings.cassandra_nodes > 1:
        out.append(f"{'ring:':9}{joined}/{settings.cassandra_nodes} Cassandra nodes joined")
    return out


RECREATE_AFTER_S = 15.0
# The tables JanusGraph 1.1's cql backend keeps (each: key, column1, value blobs).
JANUSGRAPH_TABLES = (
    "edgestore",
    "edgestore_lock_",
    "graphindex",
    "graphindex_lock_",
    "janusgraph_ids",
    "system_properties",
    "system_properties_lock_",
    "systemlog",
    "txlog",
)


def _tables_on(node: CassandraNode, keyspace: str) -> set[str]:
    with cql.connect(node.host, node.port, timeout=10.0) as sock:
        rows = cql.query(
            sock, f"SELECT table_name FROM system_schema.tables WHERE keyspace_name = '{keyspace}'"
        )
    return {row[0] for row in rows if row[0]}


def _create_on(node: CassandraNode, keyspace: str, replication: int) -> None:
    with cql.connect(node.host, node.port, timeout=30.0) as sock:
        cql.execute(
            sock,
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
            f"{{'class': 'SimpleStrategy', 'replication_factor': {replication}}}",
        )
        for table in JANUSGRAPH_TABLES:
            cql.execute(
                sock,
                f"CREATE TABLE IF NOT EXISTS {keyspace}.{table} (key blob, column1 blob, "
                "value blob, PRIMARY KEY (key, column1))",
            )


def create_graph_tables(settings: ServiceSettings, keyspace: str, timeout_s: float = 180.0) -> None:
    """Create the graph's keyspace and tables (if missing) and wait until every node has them.

    JanusGraph would create them itself, one at a time, and prepare statements on every node
    right after each: on a cluster starting on busy cores a node had announced the new schema
    but not opened the table yet (``table edgestore does not exist``) and the graph did not
    open. Created here first, JanusGraph finds them and only prepares its statements. A node
    the schema change has not reached after ``RECREATE_AFTER_S`` gets the statements itself
    (the same table ids: ``use_deterministic_table_id``).
    """
    nodes = settings.cassandra_layout
    _create_on(nodes[0], keyspace, settings.graph_replication)
    start = time.monotonic()
    wanted = set(JANUSGRAPH_TABLES)
    for node in nodes:
        asked = False
        while not wanted <= _tables_on(node, keyspace):
            waited = time.monotonic() - start
            if waited > timeout_s:
                raise ServiceUnavailable(
                    f"{node.name}: the graph's tables did not reach it within {timeout_s:.0f} s "
                    f"(log {settings.service_dir(node.name) / (node.name + '.log')})"
                )
            if not asked and waited > RECREATE_AFTER_S:
                _create_on(node, keyspace, settings.graph_replication)
                asked = True
            time.sleep(0.5)
