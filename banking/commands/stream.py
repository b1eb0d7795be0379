"""``banking stream``: produce a dataset to Kafka, consume it into the graph, inspect the DLQ."""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from banking import defaults
from banking.commands import options
from banking.errors import BankingError, Terminated, UsageError

SUMMARY = "stream entity events through Kafka into the graph"
DESCRIPTION = (
    "Entity events on one Kafka topic per entity type (<prefix><entity>, key = entity id), "
    "consumed into the graph with at-least-once delivery and idempotent upserts."
)
EXAMPLES = """\
examples:
  banking stream produce data/bank                    # every entity of a generated dataset
  banking stream produce --scale 0.001 --seed 7       # generate, then produce
  banking stream consume                              # into the graph until caught up, then exit
  banking stream consume --follow                     # until SIGTERM / Ctrl-C
  banking stream consume --follow --instance-id sink-2   # a 2nd consumer, same host
  banking stream dlq show --limit 20
  banking stream dlq replay

Endpoints come from --bootstrap / --gremlin, else KAFKA_BOOTSTRAP / GREMLIN_URL.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = options.add_command(subparsers, "stream", SUMMARY, DESCRIPTION, EXAMPLES)
    actions = parser.add_subparsers(dest="stream_command", metavar="ACTION")
    _produce_parser(actions)
    _consume_parser(actions)

    dlq = actions.add_parser("dlq", help="inspect or replay the dead-letter topic")
    dlq_actions = dlq.add_subparsers(dest="dlq_command", metavar="ACTION")
    show = dlq_actions.add_parser("show", help="list dead letters, oldest first")
    options.add_number(show, "--limit", 50, "dead letters to show at most", minimum=0)
    _common(show)
    show.set_defaults(func=run_dlq_show)
    replay = dlq_actions.add_parser("replay", help="send dead letters back to their topics")
    replay.add_argument(
        "--group",
        default=None,
        help="consumer group that records the replay's progress (default: <prefix>dlq-replay)",
    )
    _common(replay)
    replay.set_defaults(func=run_dlq_replay)
    dlq.set_defaults(func=lambda args: _missing(dlq))
    parser.set_defaults(func=lambda args: _missing(parser))


# produce's numeric settings: option, default, smallest value, metavar; then each one's help.
PRODUCE_SETTINGS = (
    ("--read-batch", defaults.READ_BATCH, 1, "N"),
    ("--partitions", defaults.TOPIC_PARTITIONS, 1, "N"),
    ("--linger-ms", defaults.PRODUCER_LINGER_MS, 0, "MS"),
    ("--batch-bytes", defaults.PRODUCER_BATCH_BYTES, 1, "BYTES"),
)
PRODUCE_HELP = {
    "--read-batch": "dataset records read, checked and sent per send_batch",
    "--partitions": "partitions of each topic produce creates; existing topics keep theirs",
    "--linger-ms": "milliseconds a batch waits to fill before it is sent",
    "--batch-bytes": "Kafka's batch.size: bytes per partition batch",
}


def _produce_parser(actions: argparse._SubParsersAction) -> None:
    produce = actions.add_parser(
        "produce",
        help="send a dataset's records as create events",
        description="Send every record of a dataset (or of a bank generated with --scale) as "
        "a create event to its entity's topic, after checking them all.",
    )
    produce.add_argument(
        "dataset", nargs="?", type=Path, help="dataset directory (or give --scale instead)"
    )
    produce.add_argument(
        "--scale",
        type=options.scale,
        default=None,
        help="generate a bank of this scale into a temporary directory and send it "
        "(default: send DATASET)",
    )
    options.add_seed(produce, "seed of the bank --scale generates")
    produce.add_argument(
        "--entities",
        help="comma-separated entities to send (default: all, vertices first)",
    )
    produce.add_argument(
        "--compression",
        choices=("none", "gzip", "lz4", "zstd"),
        default=defaults.PRODUCER_COMPRESSION,
        help="codec of the record batches (default %(default)s)",
    )
    for flag, default, minimum, metavar in PRODUCE_SETTINGS:
        what = PRODUCE_HELP[flag]
        options.add_number(produce, flag, default, what, minimum=minimum, metavar=metavar)
    produce.add_argument("--quiet", action="store_true", help="no progress lines")
    _common(produce)
    produce.set_defaults(func=run_produce)


def _consume_parser(actions: argparse._SubParsersAction) -> None:
    consume = actions.add_parser(
        "consume",
        help="apply events to the graph until caught up",
        description="Apply the topics' events to the graph (batched idempotent upserts; "
        "offsets committed after each graph write), until caught up or, with --follow, "
        "until stopped.",
    )
    # The graph is consume's only sink: --to-graph is accepted and ignored, for old scripts.
    consume.add_argument("--to-graph", action="store_true", help=argparse.SUPPRESS)
    consume.add_argument(
        "--follow", action="store_true", help="keep consuming until SIGTERM / Ctrl-C"
    )
    consume.add_argument(
        "--group", default=None, help="consumer group (default: <prefix>graph-sink)"
    )
    consume.add_argument(
        "--instance-id",
        default=None,
        help=(
            "static member id in the group (default <group>@<host>): a consumer restarted "
            "with the same id takes its partitions back at once; give each consumer of a "
            "group on one host its own"
        ),
    )
    options.add_batch_size(
        consume,
        defaults.CONSUME_BATCH_SIZE,
        "events per graph write, also the most one Kafka poll returns",
    )
    consume.add_argument(
        "--max-events",
        type=options.positive_int,
        default=None,
        metavar="N",
        help="stop after about N events, at a batch boundary (default: no limit)",
    )
    options.add_gremlin(consume)
    options.add_in_flight(consume)
    consume.add_argument("--quiet", action="store_true", help="no progress line after each batch")
    _common(consume)
    consume.set_defaults(func=run_consume)


def _common(parser: argparse.ArgumentParser) -> None:
    options.add_bootstrap(parser)
    parser.add_argument(
        "--topic-prefix",
        default=defaults.TOPIC_PREFIX,
        metavar="PREFIX",
        help="prefix of the topic names (default %(default)s)",
    )


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _entities(text: str | None) -> list[str]:
    from banking.streaming.sink import WRITE_ORDER

    if not text:
        return list(WRITE_ORDER)
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in WRITE_ORDER]
    if unknown:
        raise UsageError(f"unknown entity {unknown[0]!r}; known: {', '.join(WRITE_ORDER)}")
    return [name for name in WRITE_ORDER if name in wanted]


@contextmanager
def _dataset(args: argparse.Namespace) -> Iterator[Path]:
    if (args.dataset is None) == (args.scale is None):
        raise UsageError("give a dataset directory or --scale (one of them)")
    if args.dataset is not None:
        if not args.dataset.is_dir():
            raise UsageError(f"{args.dataset} is not a directory")
        yield args.dataset
        return
    from banking.data_generators.orchestration import generate_bank

    with tempfile.TemporaryDirectory(prefix="banking-stream-") as tmp:
        out = Path(tmp) / "bank"
        generate_bank(args.scale, args.seed, out_dir=out)
        yield out


def run_produce(args: argparse.Namespace) -> int:
    from banking.streaming.producer import EntityProducer

    try:
        from banking.dataset import DatasetReader
    except ImportError:  # pragma: no cover - the dataset package ships with the generators
        raise UsageError("the dataset reader (banking.dataset) is not installed") from None
    entities = _entities(args.entities)
    producer = None
    try:
        with _dataset(args) as path:
            reader = DatasetReader(path)
            checking = time.perf_counter()
            checked = _verify(reader, entities, args.read_batch)
            if not args.quiet:
                print(
                    f"checked {checked:,} records in {time.perf_counter() - checking:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
            started = time.perf_counter()
            with EntityProducer(
                args.bootstrap,
                topic_prefix=args.topic_prefix,
                partitions=args.partitions,
                compression_type=args.compression,
                linger_ms=args.linger_ms,
                batch_size=args.batch_bytes,
            ) as producer:
                producer.ensure_topics(entities)
                for entity in entities:
                    sent = 0
                    for records in reader.iter_batches(entity, args.read_batch):
                        sent += producer.send_records(entity, records)
                    if not args.quiet:
                        print(f"{entity}: {sent:,} events queued", file=sys.stderr, flush=True)
                stats = producer.flush()
            elapsed = time.perf_counter() - started
    except (Terminated, KeyboardInterrupt) as stop:  # banking.cli's signal handling
        signum = signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT
        done = producer.stats.sent if producer is not None else 0
        raise Interrupted(
            f"produce stopped by {signum.name}; {done:,} events were acknowledged and stay "
            "on the topics; run the same command again to send them all (events sent "
            "twice are harmless: the consumer's upserts are idempotent)",
            128 + signum,
        ) from None
    rate = stats.sent / elapsed if elapsed > 0 else 0.0
    print(
        f"produced {stats.sent:,} events to {producer.bootstrap} in {elapsed:.2f} s "
        f"({rate:,.0f} events/s); {stats.bytes / 1e6:.1f} MB of events, "
        f"{stats.wire_bytes / 1e6:.1f} MB on the wire"
    )
    return 0


def _verify(reader, entities: list[str], read_batch: int) -> int:
    """Read and check every record to be sent before the first is sent, with the consumer's own
    record check: a damaged file or a record the consumer would dead-letter stops produce with
    its file and line and nothing on the topics (about 0.5 s per 65,000 records)."""
    from banking.validation import validate_records

    return sum(reader.verify(validate_records, read_batch, entities).values())


def run_consume(args: argparse.Namespace) -> int:
    from banking.services.own import gremlin_in_flight
    from banking.services.settings import gremlin_url
    from banking.streaming.consumer import GraphSinkConsumer
    from banking.streaming.sink import RepositorySink

    group = args.group or f"{args.topic_prefix}graph-sink"
    instance_id = args.instance_id or default_instance_id(group)
    url = gremlin_url(args.gremlin)
    sink = RepositorySink.connect(url, in_flight=args.in_flight or gremlin_in_flight(url))
    try:
        with GraphSinkConsumer(
            sink,
            args.bootstrap,
            topic_prefix=args.topic_prefix,
            group_id=group,
            batch_size=args.batch_size,
            instance_id=instance_id,
        ) as consumer:

            def report(stats) -> None:
                if not args.quiet:
                    print(
                        f"consumed {stats.consumed:,} events, {stats.dead_lettered:,} "
                        f"dead-lettered",
                        file=sys.stderr,
                        flush=True,
                    )

            with _stop_on_signals(consumer.stop):
                stats = consumer.run(
                    follow=args.follow, max_events=args.max_events, on_batch=report
                )
    finally:
        sink.close()
    print(
        f"consumed {stats.consumed:,} events into the graph in {stats.elapsed_s:.2f} s "
        f"({stats.events_per_s:,.0f} events/s); {stats.applied:,} applied, "
        f"{stats.dead_lettered:,} dead-lettered, {stats.retries} retries"
    )
    return 0


def default_instance_id(group: str) -> str:
    """``<group>@<host>``: stable across restarts (so a restart after a crash takes the dead
    member's partitions back at once) and distinct between hosts; consumers of one group on
    one host need ``--instance-id`` each."""
    return f"{group}@{socket.gethostname() or 'localhost'}"


class Interrupted(BankingError):
    """The run was stopped by a signal; the exit status is 128 + the signal's number."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def _stop_on_signals(stop) -> Iterator[None]:
    """SIGTERM / SIGINT ask the consumer to stop after committing the batch in hand."""
    signals = [signal.SIGTERM, signal.SIGINT]
    previous = {sig: signal.getsignal(sig) for sig in signals}
    for sig in signals:
        signal.signal(sig, lambda *_: stop())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_dlq_show(args: argparse.Namespace) -> int:
    from banking.streaming import dlq

    letters = dlq.show(args.bootstrap, args.topic_prefix, args.limit)
    for letter in letters:
        print(letter.summary())
    print(f"{len(letters)} dead letters shown", file=sys.stderr)
    return 0


def run_dlq_replay(args: argparse.Namespace) -> int:
    from banking.streaming import dlq

    count = dlq.replay(args.bootstrap, args.topic_prefix, group_id=args.group)
    print(f"replayed {count} dead letters to their source topics")
    return 0
