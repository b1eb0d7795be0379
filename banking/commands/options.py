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


def add_command(
    subparsers: argparse._SubParsersAction, name: str, summary: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """A sub-command's parser: ``summary`` in ``banking --help``, the epilog kept as written."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_number(
    parser: argparse.ArgumentParser,
    flag: str,
    default: int,
    what: str,
    *,
    minimum: int = 1,
    metavar: str = "N",
) -> None:
    """A whole-number option of at least ``minimum``; ``what`` says what it counts, in which
    unit, and the help adds the default."""
    text = f"{what} (default %(default)s)"
    parser.add_argument(
        flag, type=int_at_least(minimum), default=default, metavar=metavar, help=text
    )


def add_seed(parser: argparse.ArgumentParser, what: str) -> None:
    """``--seed N``: the root seed of a generated bank."""
    add_number(parser, "--seed", defaults.SEED, what, minimum=0)


def _add_endpoint(
    parser: argparse.ArgumentParser, flag: str, metavar: str, what: str, env: str, default: str
) -> None:
    """An endpoint option whose default (None) the command resolves through the environment
    (``banking.services.settings``), so that the variable is read when the command runs."""
    text = f"{what} (default: ${env}, else {default})"
    parser.add_argument(flag, metavar=metavar, default=None, help=text)


def add_gremlin(parser: argparse.ArgumentParser) -> None:
    """``--gremlin URL`` (``args.gremlin``)."""
    what = "Gremlin Server websocket URL"
    _add_endpoint(parser, "--gremlin", "URL", what, GREMLIN_URL_ENV, DEFAULT_GREMLIN_URL)
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
    """``--bootstrap HOST:PORT[,...]`` (``args.bootstrap``)."""
    what = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]"
    _add_endpoint(parser, "--bootstrap", "SERVERS", what, KAFKA_BOOTSTRAP_ENV, DEFAULT_BOOTSTRAP)


def add_batch_size(parser: argparse.ArgumentParser, default: int, unit: str) -> None:
    """``--batch-size N``; ``unit`` says what is counted (elements per request, events per
    write, ...): each command has one batch size, named for what it batches."""
    add_number(parser, "--batch-size", default, unit)
