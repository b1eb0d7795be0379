"""Argument parsing shared by ``python -m banking.services`` and ``banking services``."""

from __future__ import annotations

import argparse
from dataclasses import replace

from banking.commands.options import positive_int
from banking.errors import UsageError
from banking.services import manager
from banking.services.settings import (
    DEFAULT_TIMEOUT_S,
    SERVICE_NAMES,
    ServiceSettings,
    parse_brokers,
    parse_cassandra_nodes,
    parse_engines,
    parse_timeout,
)

DESCRIPTION = (
    "Run the local graph servers (Gremlin Server/TinkerGraph, JanusGraph on Cassandra) and Kafka "
    "from Maven jars."
)
ACTIONS = ("up", "down", "status", "logs", "env", "warm")
HELP = """\
up: resolve jars if needed, start what is not running, wait until each answers; Kafka starts
    empty unless --keep-data keeps the topics and offsets of this state folder's last run.
    --kafka-brokers 3 runs a 3-node KRaft cluster (nodes kafka-1..3 on KAFKA_PORT, +2, +4;
    topics keep 3 copies, 2 in sync); `up` again restarts only a missing node, on its kept data.
    --graph janusgraph (or tinkergraph,janusgraph; default tinkergraph, or what the state
    folder's last `up` started) starts Cassandra and JanusGraph Server 1.1 (cql backend) on
    JANUSGRAPH_PORT; --cassandra-nodes 3 runs Cassandra on 127.0.0.1, .2 and .3 with the graph
    kept 3 times (QUORUM reads and writes); `up` again restarts a lost node on its kept data.
down: stop the processes recorded in the state folder (only those; every service without
    --only).
status: each service's state and endpoint; exit 1 when one is not up. For a cluster, whether
    each node is in sync and the number of under-replicated partitions; for Cassandra,
    whether each node joined its ring.
logs: the tail of each service's log.
env: export lines for GREMLIN_URL, JANUSGRAPH_URL (when JanusGraph is an engine) and
    KAFKA_BOOTSTRAP.
warm: --seconds (20) of benchmark-like traffic to each service, leaving no data behind: run it
    before an asv run, so that a freshly started JVM's compilation is not measured.
Environment: GREMLIN_PORT (8182), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
KAFKA_BROKERS (what the state folder's last `up` started, else 1), JANUSGRAPH_PORT (8184),
CASSANDRA_PORT (9042), CASSANDRA_STORAGE_PORT (7000), CASSANDRA_JMX_PORT (7199, node i +i-1),
CASSANDRA_NODES (recorded, else 1), BANKING_SERVICES_STATE (services/state),
GREMLIN_HEAP/KAFKA_HEAP/JANUSGRAPH_HEAP (1g), CASSANDRA_HEAP (768m), BANKING_SERVICES_TIMEOUT
(180 s), BANKING_HOME (the checkout; default: the one holding the current directory)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="what to do (see below)")
    parser.add_argument(
        "--only",
        choices=SERVICE_NAMES,
        help="act on one service only (janusgraph: Cassandra and JanusGraph Server; default: "
        "the graph engines' servers and Kafka)",
    )
    parser.add_argument(
        "--graph",
        metavar="ENGINES",
        help="graph engines whose servers to run: tinkergraph, janusgraph or both, "
        "comma-separated (default: what the state folder's last `up` started, else tinkergraph)",
    )
    parser.add_argument(
        "--cassandra-nodes",
        metavar="N",
        help="Cassandra nodes under JanusGraph, 1 to 3 (default: CASSANDRA_NODES, else the "
        "recorded size, else 1)",
    )
    parser.add_argument(
        "--lines",
        type=positive_int,
        default=40,
        metavar="N",
        help="logs: lines of each log to show (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="up: seconds to wait for the services to answer (default: "
        f"BANKING_SERVICES_TIMEOUT, else {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="warm: seconds of traffic per service (default %(default)s)",
    )
    parser.add_argument(
        "--kafka-brokers",
        metavar="N",
        help="Kafka nodes (broker+controller each) (default: KAFKA_BROKERS, else the recorded "
        "size, else 1)",
    )
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="up: keep Kafka's topics and offsets and Cassandra's graph from the last run "
        "(default: fresh ones)",
    )


def run(args: argparse.Namespace) -> int:
    settings = ServiceSettings.from_env()
    if args.kafka_brokers is not None:
        brokers = parse_brokers(args.kafka_brokers, "--kafka-brokers")
        settings = replace(settings, kafka_brokers=brokers)
    if args.graph is not None:
        settings = replace(settings, graph_engines=parse_engines(args.graph, "--graph"))
    if args.cassandra_nodes is not None:
        nodes = parse_cassandra_nodes(args.cassandra_nodes, "--cassandra-nodes")
        settings = replace(settings, cassandra_nodes=nodes)
    if args.timeout is not None:
        settings = replace(settings, timeout_s=parse_timeout(args.timeout, "--timeout"))
    if args.keep_data:
        if args.action != "up":
            raise UsageError("--keep-data only applies to up")
        settings = replace(settings, keep_kafka_data=True)
    if args.action == "up":
        manager.up(settings, args.only)
        for line in manager.env_lines(settings):
            print(line)
        return 0
    if args.action == "down":
        return manager.down(settings, args.only)
    if args.action == "status":
        return manager.status(settings, args.only)
    if args.action == "warm":
        return manager.warm(settings, args.only, args.seconds)
    if args.action == "logs":
        return manager.logs(settings, args.only, args.lines)
    for line in manager.env_lines(settings):
        print(line)
    return 0
