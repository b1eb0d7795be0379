"""The ``banking`` command: generate data, run the services, load the graph, stream events.

Each sub-command lives in ``banking.commands.<name>`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed namespace and returning
an exit status. User errors are raised as ``banking.errors.BankingError`` and printed here as
one line; nothing else should print a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from banking import __version__
from banking.errors import BankingError, Terminated

# Sub-command modules, in the order `banking --help` lists them. A module that is missing
# (an optional extra not installed) is left out rather than breaking the whole command.
COMMAND_MODULES = ("generate", "services", "load", "stream", "bench")


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as ``banking: error: ...`` with exit status 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="banking",
        description=(
            "Synthetic banking data with anti-money-laundering patterns, loaded into a Gremlin "
            "graph and streamed through Kafka. Start with `banking generate --scale 0.01 "
            "--out data/` and see `banking COMMAND --help`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"banking.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("banking.commands"):
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with _terminate_as_exception():
            return int(args.func(args) or 0)
    except BankingError as exc:
        print(f"banking: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("banking: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("banking: terminated (SIGTERM)", file=sys.stderr)
        return Terminated.exit_code


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


@contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """SIGTERM becomes ``Terminated`` for the command's duration, so it cleans up as on Ctrl-C
    (the default action would end the process at once, leaving temporary files behind).
    Commands that stop gracefully on SIGTERM (``stream consume``) install their own handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
