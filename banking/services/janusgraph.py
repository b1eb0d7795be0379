"""JanusGraph Server over the Cassandra nodes: configs and command line.

The server's configs are rendered by ``banking.services.render`` (server yaml, the CQL backend's
properties, the init script declaring ``banking.graph.schema``). Readiness is a real traversal:
the server opens its port even when its graph failed to open (clients then get ``499 ...
traversal source [g] ... not configured``), so a port that accepts proves nothing.
"""

from __future__ import annotations

import re

from banking.services import render
from banking.services.jars import classpath
from banking.services.settings import ServiceSettings

MAIN = "org.janusgraph.graphdb.server.JanusGraphServer"
# How often ``up`` starts the server again when it came up without its graph (see below).
GRAPH_ATTEMPTS = 3
_NOT_OPENED = "could not be instantiated and will not be available"
_CAUSE = re.compile(r"^Caused by: (?:[\w.$]+\.)?(\w+(?:Exception|Error)): (.*)$", re.MULTILINE)


def prepare(settings: ServiceSettings, base: list[str], add_opens: list[str]) -> list[str]:
    """Write the server's configs; return its command line (``base``: JVM and markers)."""
    conf = settings.service_dir("janusgraph") / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "janusgraph.properties").write_text(render.janusgraph_properties(settings))
    (conf / "init.groovy").write_text(render.janusgraph_init_script())
    (conf / "log4j2.xml").write_text(render.janusgraph_log4j2_xml())
    (conf / "janusgraph-server.yaml").write_text(render.janusgraph_server_yaml(settings, conf))
    heap = settings.janusgraph_heap
    return [
        *base,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        *add_opens,
        f"-DJANUSGRAPH_RELATION_DELIMITER={render.RELATION_DELIMITER}",
        f"-Dlog4j2.configurationFile={conf / 'log4j2.xml'}",
        "-cp",
        classpath(settings.lib_dir("janusgraph")),
        MAIN,
        str(conf / "janusgraph-server.yaml"),
    ]


def graph_failure(log_text: str) -> str | None:
    """Why the server's graph did not open, from its log, or None while nothing says so.

    The deepest cause is the useful one (``InvalidQueryException: table edgestore does not
    exist``: on a cluster starting on busy cores, a node may not have a table the driver has
    just created yet; a second start finds the tables and opens the graph)."""
    head = log_text.split(_NOT_OPENED, 1)
    if len(head) == 1:
        return None
    causes = _CAUSE.findall(head[1].split("Script compilation", 1)[0])
    if not causes:
        return "the graph did not open"
    kind, message = causes[-1]
    return f"{kind}: {message.strip()[:200]}"
