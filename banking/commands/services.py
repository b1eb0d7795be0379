"""``banking services up|down|status|logs|env``: the local Gremlin Server and Kafka broker."""

from __future__ import annotations

import argparse

from banking.services.cli import HELP, add_arguments, run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "services",
        help="start, stop and check the local Gremlin Server and Kafka broker",
        description="Run the local Gremlin Server and Kafka broker from Maven jars.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
