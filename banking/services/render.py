"""Config files for Gremlin Server and Kafka, rendered as text from the settings (pure functions).

Natural keys are indexed: vertex property ``entity_id`` and edge property ``edge_id`` (the graph
repository looks elements up by them). Vertex properties have single cardinality so that an
upsert replaces a value instead of appending a second one.

Gremlin Server runs traversals on one thread (``gremlinPool: 1``) and reads its connections on
one (``threadPoolWorker: 1``, its default): TinkerGraph is not safe for concurrent writers (two
writes in flight corrupted it once), and the repository keeps two requests of a batched write
in flight (the server decodes the next while it runs the current one), which must then run one
after the other. Requests on different connections may run in either order; the repository
pipelines only writes of distinct elements, which commute.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from banking.services.settings import HOST, KafkaNode, ServiceSettings

if TYPE_CHECKING:  # the schema needs pydantic and numpy: not on the CLI's import path
    from banking.graph.schema import GraphSchema

VERTEX_KEY = "entity_id"
EDGE_KEY = "edge_id"
# 10 MiB: a batched upsert of ~500 elements with their properties is far below this.
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
EVALUATION_TIMEOUT_MS = 120_000


def tinkergraph_properties() -> str:
    return (
        "gremlin.graph=org.apache.tinkerpop.gremlin.tinkergraph.structure.TinkerGraph\n"
        "# ANY: callers may supply their own ids (strings or numbers); others get numeric ids.\n"
        "gremlin.tinkergraph.vertexIdManager=ANY\n"
        "gremlin.tinkergraph.edgeIdManager=ANY\n"
        "gremlin.tinkergraph.vertexPropertyIdManager=LONG\n"
        "gremlin.tinkergraph.defaultVertexPropertyCardinality=single\n"
    )


def init_script() -> str:
    """Groovy run once at server start: index the natural keys and bind ``g``."""
    return (
        "// Written by banking.services; runs once when Gremlin Server starts.\n"
        f"graph.createIndex('{VERTEX_KEY}', Vertex.class)\n"
        f"graph.createIndex('{EDGE_KEY}', Edge.class)\n"
        "def globals = [:]\n"
        "globals << [g : traversal().withEmbedded(graph)]\n"
    )


def _yaml_str(path: Path) -> str:
    """A path as a quoted YAML scalar (JSON strings are YAML), safe for spaces, colons or #."""
    return json.dumps(str(path))


# The part of a Gremlin Server config both servers (TinkerGraph's, JanusGraph's) share.
_OPS = "org.apache.tinkerpop.gremlin.server.op"
_SERVER_TAIL = f"""\
processors:
  - className: {_OPS}.session.SessionOpProcessor
    config: {{sessionTimeout: 28800000}}
  - className: {_OPS}.traversal.TraversalOpProcessor
metrics: {{
  slf4jReporter: {{enabled: false}}}}
strictTransactionManagement: false
idleConnectionTimeout: 0
keepAliveInterval: 0
maxInitialLineLength: 4096
maxHeaderSize: 8192
maxChunkSize: 8192
maxContentLength: {MAX_CONTENT_LENGTH}
maxAccumulationBufferComponents: 1024
resultIterationBatchSize: 64
writeBufferLowWaterMark: 32768
writeBufferHighWaterMark: 65536
"""


def _server_head(host: str, port: int, graph: Path, extra: str = "") -> str:
    """A Gremlin Server config's first lines: where it listens and its one graph ``graph``."""
    return f"""\
# Written by banking.services; edit banking/services/render.py instead.
host: {host}
port: {port}
evaluationTimeout: {EVALUATION_TIMEOUT_MS}
{extra}channelizer: org.apache.tinkerpop.gremlin.server.channel.WebSocketChannelizer
graphs:
  graph: {_yaml_str(graph)}
"""


def _script_engine(conf_dir: Path, *plugins: str) -> str:
    """The Groovy engine with the server's, TinkerGraph's and ``plugins``, running init.groovy."""
    jsr = "org.apache.tinkerpop.gremlin.jsr223"
    first = "".join(f"      {plugin}: {{}}\n" for plugin in plugins)
    return f"""\
scriptEngines:
  gremlin-groovy:
    plugins:
{first}      org.apache.tinkerpop.gremlin.server.jsr223.GremlinServerGremlinPlugin: {{}}
      org.apache.tinkerpop.gremlin.tinkergraph.jsr223.TinkerGraphGremlinPlugin: {{}}
      {jsr}.ImportGremlinPlugin:
        classImports: [java.lang.Math]
        methodImports: [java.lang.Math#*]
      {jsr}.ScriptFileGremlinPlugin:
        files: [{_yaml_str(conf_dir / "init.groovy")}]
"""


def gremlin_server_yaml(settings: ServiceSettings, conf_dir: Path, host: str = HOST) -> str:
    """The server config; ``host`` is 0.0.0.0 only inside a container (docker-compose.yml)."""
    ser = "org.apache.tinkerpop.gremlin.util.ser"
    tinker_io = "org.apache.tinkerpop.gremlin.tinkergraph.structure.TinkerIoRegistry"
    pool = "gremlinPool: 1\nthreadPoolWorker: 1\n"
    head = _server_head(host, settings.gremlin_port, conf_dir / "tinkergraph.properties", pool)
    return f"""\
{head}{_script_engine(conf_dir)}serializers:
  - className: {ser}.GraphBinaryMessageSerializerV1
  - className: {ser}.GraphBinaryMessageSerializerV1
    config: {{serializeResultToString: true}}
  - className: {ser}.GraphSONMessageSerializerV3
    config: {{ioRegistries: [{tinker_io}V3]}}
  - className: {ser}.GraphSONMessageSerializerV2
    config: {{ioRegistries: [{tinker_io}V2]}}
{_SERVER_TAIL}"""


def logback_xml(
    loggers: tuple[tuple[str, str], ...] = (("org.apache.tinkerpop", "INFO"), ("io.netty", "WARN")),
) -> str:
    """Logback to stdout (the service's log file): ``loggers`` at their levels, the rest WARN."""
    levels = "".join(f'  <logger name="{name}" level="{level}"/>\n' for name, level in loggers)
    return f"""\
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{{HH:mm:ss.SSS}} %-5level %logger{{36}} - %msg%n</pattern></encoder>
  </appender>
{levels}  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
"""


def kafka_cluster_id(settings: ServiceSettings) -> str:
    """A stable 22-character cluster id (base64url of 16 bytes) derived from the state folder.

    Like Kafka's own ``Uuid.randomUuid()``, never one that starts with ``-``: the storage tool
    would read it as an option (``--cluster-id: expected one argument``).
    """
    digest = hashlib.sha256(str(settings.state_dir).encode()).digest()
    while True:
        cluster_id = base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id
        digest = hashlib.sha256(digest).digest()


def kafka_server_properties(
    settings: ServiceSettings, data_dir: Path, node: KafkaNode | None = None
) -> str:
    """``server.properties`` of one KRaft node (broker and controller in one JVM).

    In a cluster every node is a voter of the controller quorum, and topics, consumer offsets
    and transaction state keep three copies, two of which must acknowledge a write
    (``min.insync.replicas=2``): any one node may be lost without losing or refusing data.
    """
    node = settings.kafka_nodes[0] if node is None else node
    port, cport = node.port, node.controller_port
    voters = ",".join(f"{n.node_id}@{HOST}:{n.controller_port}" for n in settings.kafka_nodes)
    if settings.kafka_brokers == 1:
        title = "single-node KRaft (broker + controller)"
    else:
        title = f"node {node.node_id} of a {settings.kafka_brokers}-node KRaft cluster"
    rf, isr = settings.replication_factor, settings.min_insync_replicas
    return f"""\
# Written by banking.services; {title} on {HOST}.
process.roles=broker,controller
node.id={node.node_id}
controller.quorum.voters={voters}
listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{cport}
advertised.listeners=PLAINTEXT://{HOST}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data_dir}
num.partitions=1
default.replication.factor={rf}
min.insync.replicas={isr}
offsets.topic.replication.factor={rf}
offsets.topic.num.partitions=1
transaction.state.log.replication.factor={rf}
transaction.state.log.min.isr={isr}
share.coordinator.state.topic.replication.factor={rf}
share.coordinator.state.topic.min.isr={isr}
# Producers create their topics with explicit partition counts; a typo must fail, not create.
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=268435456
message.max.bytes=10485760
"""


# Kafka's loggers: the broker's own lines, the rest quiet.
KAFKA_LOGGERS = (
    ("kafka", "INFO"),
    ("org.apache.kafka", "WARN"),
    ("state.change.logger", "WARN"),
    ("kafka.server.KafkaConfig", "WARN"),
)


def log4j2_xml(loggers: tuple[tuple[str, str], ...] = KAFKA_LOGGERS) -> str:
    """Log4j2 to stdout (the service's log file): ``loggers`` at their levels, the rest WARN."""
    levels = "".join(f'    <Logger name="{name}" level="{level}"/>\n' for name, level in loggers)
    return f"""\
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{{HH:mm:ss.SSS}} %-5level %c{{1}} - %msg%n"/>
    </Console>
  </Appenders>
  <Loggers>
{levels}    <Root level="WARN"><AppenderRef ref="STDOUT"/></Root>
  </Loggers>
</Configuration>
"""


# JanusGraph: the graph's keyspace and the consistency of its reads and writes. QUORUM of 3
# copies is 2: any one node may be lost and both still succeed, and since 2 + 2 > 3 a read
# meets the last acknowledged write (an index lookup by edge_id sees an edge written before,
# so a replayed upsert does not add it twice). ONE could read a stale index, ALL would stop at
# the first lost node. With one node QUORUM is 1.
JANUSGRAPH_KEYSPACE = "banking"
CQL_CONSISTENCY = "QUORUM"
# Custom vertex ids contain '-', JanusGraph's default relation delimiter: every JVM of the graph
# runs with this one instead.
RELATION_DELIMITER = "|"


def janusgraph_properties(settings: ServiceSettings, hosts: tuple[str, ...] = ()) -> str:
    """The graph's backend: CQL on every Cassandra node, vertex ids supplied by the caller.

    Every node is a contact point (one ``storage.hostname`` line each: a repeated key is a list
    to the server's configuration reader, a comma-separated value is one unknown host), so the
    server opens its graph while any node answers; ``hosts`` replaces the nodes' addresses
    (a container names its Cassandra by service name)."""
    hosts = hosts or tuple(node.host for node in settings.cassandra_layout)
    contact = "\n".join(f"storage.hostname={host}" for host in hosts)
    return f"""\
# Written by banking.services; edit banking/services/render.py instead.
gremlin.graph=org.janusgraph.core.JanusGraphFactory
storage.backend=cql
{contact}
storage.port={settings.cassandra_port}
storage.cql.keyspace={JANUSGRAPH_KEYSPACE}
storage.cql.local-datacenter=datacenter1
storage.cql.replication-strategy-class=SimpleStrategy
storage.cql.replication-factor={settings.graph_replication}
storage.cql.read-consistency-level={CQL_CONSISTENCY}
storage.cql.write-consistency-level={CQL_CONSISTENCY}
# Creating the graph's tables on a cluster that starts on two busy cores: each CREATE TABLE
# waits (up to 2 min, not the driver's 10 s) until every node has it before the next request.
storage.cql.internal.string-configuration=datastax-java-driver {{ \
advanced.control-connection.schema-agreement.timeout = 120 seconds }}
# Fixed when the graph is first created: custom (string) vertex ids, the entity ids.
graph.set-vertex-id=true
graph.allow-custom-vid-types=true
"""


def _groovy_list(items: list[str]) -> str:
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"


def janusgraph_init_script(schema: GraphSchema | None = None) -> str:
    """Groovy run once at server start: declare the schema (idempotent), bind ``g``, and bind
    ``schema``, a read-only TinkerGraph describing the schema as the server's management API
    reads it back (so clients check types with a bytecode traversal, not a script)."""
    if schema is None:
        from banking.graph.schema import SCHEMA as schema
    keys = ",\n    ".join(
        f"['{key.name}', {key.data_type}.class, Cardinality.{key.cardinality}]"
        for key in schema.keys
    )
    index, index_key = schema.edge_index
    return f"""\
// Written by banking.services from banking.graph.schema; runs once when JanusGraph starts.
import org.janusgraph.core.Cardinality
import org.janusgraph.core.EdgeLabel
import org.janusgraph.core.PropertyKey
import org.apache.tinkerpop.gremlin.tinkergraph.structure.TinkerGraph

def mgmt = graph.openManagement()
[
    {keys}
].each {{ k ->
    if (!mgmt.containsPropertyKey(k[0])) {{
        mgmt.makePropertyKey(k[0]).dataType(k[1]).cardinality(k[2]).make()
    }}
}}
{_groovy_list(list(schema.vertex_labels))}.each {{
    if (!mgmt.containsVertexLabel(it)) mgmt.makeVertexLabel(it).make()
}}
{_groovy_list(list(schema.edge_labels))}.each {{
    if (!mgmt.containsEdgeLabel(it)) mgmt.makeEdgeLabel(it).make()
}}
if (!mgmt.containsGraphIndex('{index}')) {{
    def key = mgmt.getPropertyKey('{index_key}')
    mgmt.buildIndex('{index}', Edge.class).addKey(key).buildCompositeIndex()
}}
mgmt.commit()

def described = TinkerGraph.open()
def m = graph.openManagement()
m.getRelationTypes(PropertyKey.class).each {{ k ->
    described.addVertex(T.label, 'property_key', 'name', k.name(),
            'data_type', k.dataType().simpleName, 'cardinality', k.cardinality().name())
}}
m.getVertexLabels().each {{
    described.addVertex(T.label, 'vertex_label', 'name', it.name())
}}
m.getRelationTypes(EdgeLabel.class).each {{
    described.addVertex(T.label, 'edge_label', 'name', it.name())
}}
m.getGraphIndexes(Edge.class).each {{ i ->
    def fields = i.getFieldKeys()
    described.addVertex(T.label, 'edge_index', 'name', i.name(),
            'keys', fields*.name().join(','), 'composite', i.isCompositeIndex(),
            'status', i.getIndexStatus(fields[0]).name())
}}
m.rollback()

def globals = [:]
globals << [g : graph.traversal(), schema : described.traversal()]
"""


def janusgraph_server_yaml(settings: ServiceSettings, conf_dir: Path, host: str = HOST) -> str:
    """JanusGraph Server (Gremlin Server 3.7.3 inside): GraphBinary v1 and GraphSON v3 with
    JanusGraph's IO registry, so its ids (RelationIdentifier) travel to clients that read them."""
    ser = "org.apache.tinkerpop.gremlin.util.ser"
    registry = "{ioRegistries: [org.janusgraph.graphdb.tinkerpop.JanusGraphIoRegistry]}"
    engine = _script_engine(
        conf_dir, "org.janusgraph.graphdb.tinkerpop.plugin.JanusGraphGremlinPlugin"
    )
    head = _server_head(host, settings.janusgraph_port, conf_dir / "janusgraph.properties")
    return f"""\
{head}{engine}serializers:
  - className: {ser}.GraphBinaryMessageSerializerV1
    config: {registry}
  - className: {ser}.GraphBinaryMessageSerializerV1
    config: {{serializeResultToString: true}}
  - className: {ser}.GraphSONMessageSerializerV3
    config: {registry}
{_SERVER_TAIL}"""


def janusgraph_log4j2_xml() -> str:
    """The server's start-up and channel lines; JanusGraph's and Cassandra driver's warnings."""
    return log4j2_xml(
        (("org.apache.tinkerpop.gremlin.server", "INFO"), ("org.janusgraph.graphdb.server", "INFO"))
    )
