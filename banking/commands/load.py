"""``banking load DIR``: load a generated dataset into the Gremlin graph, idempotently."""

from __future__ import annotations

import argparse
import os
import sys

EXAMPLE = """\
example:
  banking generate --scale 0.01 --out data/
  banking load data/ --gremlin ws://127.0.0.1:8182/gremlin --batch-size 500

Loading the same dataset again changes nothing (every element is merged on its natural key).
Exit status: 0 loaded, 2 bad input, 3 Gremlin Server unavailable."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="load a generated dataset into the Gremlin graph",
        description=(
            "Load every entity of a dataset directory (persons, companies, accounts, "
            "ownership links, transfers, communications; pattern ids as properties) into "
            "Gremlin Server with batched, idempotent upserts."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", metavar="DIR", help="dataset written by `banking generate`")
    parser.add_argument(
        "--gremlin",
        metavar="URL",
        default=None,
        help="Gremlin Server websocket URL (default: $GREMLIN_URL or ws://127.0.0.1:8182/gremlin)",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=500,
        metavar="N",
        help="elements per request (default 500)",
    )
    parser.add_argument(
        "--drop", action="store_true", help="remove everything in the graph before loading"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _progress_bar(total: int, quiet: bool):
    """GEN's terminal progress bar when available; nothing on a pipe or with --quiet."""
    try:
        from banking.progress import Progress
    except ImportError:
        return None
    return Progress(total, "load", quiet=quiet)


def run(args: argparse.Namespace) -> int:
    from banking.graph.loader import dataset_counts, load_dataset, open_dataset, validate_dataset
    from banking_repository import GraphRepository, GraphUnavailable

    reader = open_dataset(args.directory)
    checked = validate_dataset(reader)  # bad input is exit 2 before the server is asked
    url = args.gremlin or os.environ.get("GREMLIN_URL")
    with GraphRepository(url) as repo:
        if not repo.health():
            raise GraphUnavailable(f"Gremlin Server at {repo.url} does not answer")
        if args.drop:
            repo.drop_all()
        bar = _progress_bar(sum(dataset_counts(reader).values()), args.quiet)
        try:
            summary = load_dataset(
                reader,
                repo,
                batch_size=args.batch_size,
                progress=bar.update if bar is not None else None,
                checked=checked,
            )
        finally:
            if bar is not None:
                bar.close()
    print(summary.describe(), file=sys.stdout)
    return 0
