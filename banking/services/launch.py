"""Command lines and config files for each JVM, written into the service's state folder."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from banking.errors import ServiceUnavailable
from banking.services import cassandra, janusgraph, render
from banking.services.jars import classpath
from banking.services.process import marker_args
from banking.services.settings import HOST, ServiceSettings, java_home

GREMLIN_MAIN = "org.apache.tinkerpop.gremlin.server.GremlinServer"
KAFKA_MAIN = "kafka.Kafka"
KAFKA_STORAGE_MAIN = "kafka.tools.StorageTool"
# Groovy and Netty reflect into the JDK; Java 17 needs these opened explicitly.
ADD_OPENS = [
    f"--add-opens=java.base/{pkg}=ALL-UNNAMED"
    for pkg in (
        "java.io",
        "java.lang",
        "java.lang.invoke",
        "java.lang.reflect",
        "java.net",
        "java.nio",
        "java.util",
        "java.util.concurrent",
        "java.util.concurrent.atomic",
        "sun.nio.ch",
        "sun.nio.cs",
    )
]


def java_binary() -> str:
    """java from JAVA_HOME, else from PATH."""
    home = java_home()
    if home is not None and (home / "bin" / "java").is_file():
        return str(home / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise ServiceUnavailable("java is not on PATH and JAVA_HOME is not set: install Java 17+")
    return found


def conf_dir(settings: ServiceSettings, name: str) -> Path:
    return settings.service_dir(name) / "conf"


def log_path(settings: ServiceSettings, name: str) -> Path:
    return settings.service_dir(name) / f"{name}.log"


def bindings(settings: ServiceSettings, name: str) -> tuple[tuple[str, int], ...]:
    """The (address, port) pairs one process listens on (a Cassandra node on its own address,
    its JMX on 127.0.0.1)."""
    if name == "gremlin":
        return ((HOST, settings.gremlin_port),)
    if name == "janusgraph":
        return ((HOST, settings.janusgraph_port),)
    if name.startswith("cassandra"):
        node = settings.cassandra_node(name)
        return ((node.host, node.port), (node.host, node.storage_port), (HOST, node.jmx_port))
    kafka = settings.kafka_node(name)
    return ((HOST, kafka.port), (HOST, kafka.controller_port))


def ports(settings: ServiceSettings, name: str) -> tuple[int, ...]:
    """The ports one process listens on (``gremlin``, ``janusgraph`` or a node's name)."""
    return tuple(port for _, port in bindings(settings, name))


# Gremlin Server holds the whole TinkerGraph in its heap and turns every batched write into
# short-lived garbage: the whole heap from the start and the throughput collector, whose pauses
# are short and which runs no concurrent marking threads beside the client on a 2-core machine
# (a batched load of the scale-0.01 bank: 33,300 elements/s against 29,500 with G1 from 256 MB,
# means of six runs each, alternating). Kafka keeps G1's low pauses.
_GC_OPTIONS = {
    "gremlin": lambda heap: [f"-Xms{heap}", "-XX:+UseParallelGC"],
    "kafka": lambda heap: ["-Xms256m", "-XX:+UseG1GC"],
}


def _jvm_base(settings: ServiceSettings, name: str, heap: str) -> list[str]:
    return [
        java_binary(),
        *_GC_OPTIONS["gremlin" if name == "gremlin" else "kafka"](heap),
        f"-Xmx{heap}",
        "-Djava.awt.headless=true",
        "-Djava.net.preferIPv4Stack=true",
        *marker_args(settings.state_dir, name),
    ]


def prepare_gremlin(settings: ServiceSettings) -> list[str]:
    """Write the Gremlin Server configs; return its command line."""
    conf = conf_dir(settings, "gremlin")
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "tinkergraph.properties").write_text(render.tinkergraph_properties())
    (conf / "init.groovy").write_text(render.init_script())
    (conf / "logback.xml").write_text(render.logback_xml())
    (conf / "gremlin-server.yaml").write_text(render.gremlin_server_yaml(settings, conf))
    return [
        *_jvm_base(settings, "gremlin", settings.gremlin_heap),
        *ADD_OPENS,
        f"-Dlogback.configurationFile={conf / 'logback.xml'}",
        "-cp",
        classpath(settings.lib_dir("gremlin")),
        GREMLIN_MAIN,
        str(conf / "gremlin-server.yaml"),
    ]


def prepare_kafka(
    settings: ServiceSettings, name: str | None = None, keep_data: bool | None = None
) -> list[str]:
    """Write one Kafka node's configs and format a fresh KRaft data folder; return its command.

    Every start begins with an empty data folder, as TinkerGraph begins with an empty graph,
    unless ``keep_data`` (default ``settings.keep_kafka_data``) asks to keep a folder this state
    folder already formatted (its cluster id derives from the state folder, so the kept
    ``meta.properties`` still matches). The manager keeps it for a node that rejoins a cluster
    whose other nodes still run: a controller voter must never be reformatted under a live
    quorum.
    """
    node = settings.kafka_nodes[0] if name is None else settings.kafka_node(name)
    service_dir = settings.service_dir(node.name)
    conf = conf_dir(settings, node.name)
    data = service_dir / "data"
    conf.mkdir(parents=True, exist_ok=True)
    keep_data = settings.keep_kafka_data if keep_data is None else keep_data
    keep = keep_data and (data / "meta.properties").is_file()
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
    (conf / "server.properties").write_text(render.kafka_server_properties(settings, data, node))
    (conf / "log4j2.xml").write_text(render.log4j2_xml())
    cp = classpath(settings.lib_dir("kafka"))
    logging_opts = [
        f"-Dlog4j2.configurationFile={conf / 'log4j2.xml'}",
        f"-Dkafka.logs.dir={service_dir}",
    ]
    command = [
        *_jvm_base(settings, node.name, settings.kafka_heap),
        *logging_opts,
        "-cp",
        cp,
        KAFKA_MAIN,
        str(conf / "server.properties"),
    ]
    if keep:
        return command
    fmt = [
        java_binary(),
        "-Xmx256m",
        *logging_opts,
        "-cp",
        cp,
        KAFKA_STORAGE_MAIN,
        "format",
        "--cluster-id",
        render.kafka_cluster_id(settings),
        "--config",
        str(conf / "server.properties"),
    ]
    done = subprocess.run(fmt, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise ServiceUnavailable(
            f"Kafka storage format of {node.name} failed: {detail[-1] if detail else 'no output'}"
        )
    return command


def prepare(settings: ServiceSettings, name: str, keep_data: bool | None = None) -> list[str]:
    """Configs written (and a Kafka node's folder formatted); the command line to start."""
    if name == "gremlin":
        return prepare_gremlin(settings)
    if name == "janusgraph":
        base = [java_binary(), *_markers(settings, name)]
        return janusgraph.prepare(settings, base, ADD_OPENS)
    if name.startswith("cassandra"):
        base = [java_binary(), *_markers(settings, name)]
        keep = settings.keep_kafka_data if keep_data is None else keep_data
        return cassandra.prepare(settings, name, base, keep_data=keep)
    return prepare_kafka(settings, name, keep_data)


def _markers(settings: ServiceSettings, name: str) -> list[str]:
    return [
        "-Djava.awt.headless=true",
        "-Djava.net.preferIPv4Stack=true",
        *marker_args(settings.state_dir, name),
    ]
