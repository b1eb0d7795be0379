"""The default of every setting the commands, the tools and the library share, with its unit.

One value per setting: ``banking load --batch-size`` and the loader, ``banking stream consume
--batch-size`` and ``GraphSinkConsumer``, ``stream produce`` and ``EntityProducer`` all read
theirs here. This module imports nothing, so that building the command line's parser (which
shows these defaults in its help) stays instant.
"""

from __future__ import annotations

# The root seed of a generated bank.
SEED = 42

# Graph elements (vertices and edges) per Gremlin request of a batched write: hundreds per
# request, never one per element (docs/performance/graph.md).
GRAPH_BATCH_SIZE = 500
# Requests of a batched write on the wire at once against a server that is not known to run
# one traversal at a time: TinkerGraph corrupts under concurrent writers (see
# banking.services.own for the project's own server, which takes OWN_SERVER_IN_FLIGHT).
IN_FLIGHT = 1
OWN_SERVER_IN_FLIGHT = 2

# Events per graph write (and per Kafka poll) of the consumer.
CONSUME_BATCH_SIZE = 5000
# Dataset records read, checked and handed to the producer at a time.
READ_BATCH = 10_000

# Kafka producer settings chosen by `python tools/stream_tuning.py` (table in
# docs/streaming.md): bytes per partition batch (Kafka's batch.size), linger, codec.
PRODUCER_BATCH_BYTES = 256 * 1024
PRODUCER_LINGER_MS = 20
PRODUCER_COMPRESSION = "zstd"
# Partitions of each new entity topic.
TOPIC_PARTITIONS = 3
TOPIC_PREFIX = "banking."
