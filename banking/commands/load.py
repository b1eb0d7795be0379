"""``banking load DIR``: load a generated dataset into the Gremlin graph, idempotently."""

from __future__ import annotations

import argparse
import sys

from banking import defaults
from banking.commands import options

SUMMARY = "load a generated dataset into the Gremlin graph"
DESCRIPTION = (
    "Load every entity of a dataset directory (persons, companies, accounts, ownership links, "
    "transfers, communications; pattern ids as properties) into Gremlin Server with batched, "
    "idempotent upserts."
)
EXAMPLE = """\
example:
  banking generate --scale 0.01 --out data/
  banking load data/ --gremlin ws://127.0.0.1:8182/gremlin

Loading the same dataset again changes nothing (every element is merged on its natural key).
Exit status: 0 loaded, 2 bad input, 3 Gremlin Server unavailable."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = options.add_command(subparsers, "load", SUMMARY, DESCRIPTION, EXAMPLE)
    parser.add_argument("directory", metavar="DIR", help="dataset written by `banking generate`")
    options.add_gremlin(parser)
    options.add_batch_size(
        parser, defaults.GRAPH_BATCH_SIZE, "graph elements (vertices and edges) per Gremlin request"
    )
    options.add_in_flight(parser)
    parser.add_argument(
        "--drop", action="store_true", help="remove everything in the graph before loading"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from banking.graph.loader import dataset_counts, load_dataset, open_dataset, validate_dataset
    from banking.progress import Progress
    from banking.services.own import gremlin_in_flight
    from banking.services.settings import gremlin_url
    from banking_repository import GraphRepository, GraphUnavailable

    reader = open_dataset(args.directory)
    checked = validate_dataset(reader)  # bad input is exit 2 before the server is asked
    url = gremlin_url(args.gremlin)
    in_flight = args.in_flight or gremlin_in_flight(url)
    with GraphRepository(url, in_flight=in_flight) as repo:
        if not repo.health():
            raise GraphUnavailable(f"Gremlin Server at {repo.url} does not answer")
        if args.drop:
            repo.drop_all()
        bar = Progress(sum(dataset_counts(reader).values()), "load", quiet=args.quiet)
        try:
            summary = load_dataset(
                reader, repo, batch_size=args.batch_size, progress=bar.update, checked=checked
            )
        finally:
            bar.close()
    print(summary.describe(), file=sys.stdout)
    return 0
