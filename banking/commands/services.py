"""``banking services up|down|status|logs|env``: the local Gremlin Server and Kafka broker."""

from __future__ import annotations

import argparse

from banking.commands import options
from banking.services.cli import DESCRIPTION, HELP, add_arguments, run

SUMMARY = "start, stop and check the local Gremlin Server and Kafka broker"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = options.add_command(subparsers, "services", SUMMARY, DESCRIPTION, HELP)
    add_arguments(parser)
    parser.set_defaults(func=run)
