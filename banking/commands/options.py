"""Options the commands and the measurement tools share: one name, one validator and one help
text (with its unit and default) per setting, so that ``--gremlin``, ``--bootstrap`` or
``--batch-size`` mean the same wherever they appear. Defaults come from ``banking.defaults``
and the endpoints' fall-backs from ``banking.services.settings``; both import nothing heavy,
so building the parser stays instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from banking import defaults
from banking.services.settings import (
    DEFAULT_BOOTSTRAP,
    DEFAULT_GREMLIN_URL,
    GREMLIN_URL_ENV,
    KAFKA_BOOTSTRAP_ENV,
)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least ``minimum`` (argparse names the
    option in its one-line error)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


positive_int = int_at_least(1)
count = int_at_least(0)


def scale(text: str) -> float:
    """An argparse ``type`` for ``--scale``: a positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"scale must be a positive number, got {text!r}")
    return value


def add_gremlin(parser: argparse.ArgumentParser) -> None:
    """``--gremlin URL`` (``args.gremlin``; None: the environment, resolved by the command)."""
    parser.add_argument(
        "--gremlin",
        metavar="URL",
        default=None,
        help=f"Gremlin Server websocket URL (default: ${GREMLIN_URL_ENV}, else "
        f"{DEFAULT_GREMLIN_URL})",
    )
    # The old spelling of `stream consume` and the tuning tool, kept so that scripts work.
    parser.add_argument("--gremlin-url", dest="gremlin", default=None, help=argparse.SUPPRESS)


def add_in_flight(parser: argparse.ArgumentParser) -> None:
    """``--in-flight N`` (``args.in_flight``; None: decided from the server, see
    ``banking.services.own``)."""
    parser.add_argument(
        "--in-flight",
        type=positive_int,
        metavar="N",
        default=None,
        help=f"Gremlin requests of a batched write on the wire at once (default: "
        f"{defaults.OWN_SERVER_IN_FLIGHT} for the project's own server, started by `banking "
        f"services up`, which runs one traversal at a time; {defaults.IN_FLIGHT} for any other "
        "server, which may run them concurrently)",
    )


def add_bootstrap(parser: argparse.ArgumentParser) -> None:
    """``--bootstrap HOST:PORT[,...]`` (``args.bootstrap``; None: the environment)."""
    parser.add_argument(
        "--bootstrap",
        metavar="SERVERS",
        default=None,
        help=f"Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] (default: "
        f"${KAFKA_BOOTSTRAP_ENV}, else {DEFAULT_BOOTSTRAP})",
    )


def add_graph_batch_size(parser: argparse.ArgumentParser) -> None:
    """``--batch-size N``: graph elements per Gremlin request."""
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=defaults.GRAPH_BATCH_SIZE,
        metavar="N",
        help="graph elements (vertices and edges) per Gremlin request (default %(default)s)",
    )


def add_event_batch_size(parser: argparse.ArgumentParser) -> None:
    """``--batch-size N``: events per graph write of the consumer."""
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=defaults.CONSUME_BATCH_SIZE,
        metavar="N",
        help="events per graph write, also the most one Kafka poll returns (default %(default)s)",
    )
