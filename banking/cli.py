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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from banking import __version__
from banking.errors import BankingError, Terminated

# Sub-command modules, in the order `banking --help` lists them. Each imports its optional
# extras (gremlinpython, kafka-python, pyarrow) only when it runs, so the parser always builds.
COMMAND_MODULES = ("generate", "describe", "services", "load", "stream")


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as ``banking: error: ...`` with exit status 2, no usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="banking",
        description=(
            "Synthetic banking data with anti-money-laundering patterns, loaded into a Gremlin "
            "graph and streamed through Kafka. Start with `banking generate --scale 0.01 "
            "--out data/` and see `banking COMMAND --help`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"banking.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return run_command(args.func, args, "banking")


def run_command(
    func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace, prog: str
) -> int:
    """``func(args)``'s exit status, with a ``BankingError``, Ctrl-C or SIGTERM reported as one
    line prefixed by ``prog`` (also ``python -m banking.services``, as ``services``)."""
    try:
        with _signals_as_exceptions():
            return int(func(args) or 0)
    except BankingError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{prog}: terminated (SIGTERM)", file=sys.stderr)
        return Terminated.exit_code


# What each signal becomes while a command runs.
SIGNAL_EXCEPTIONS: dict[int, type[BaseException]] = {
    signal.SIGTERM: Terminated,
    signal.SIGINT: KeyboardInterrupt,
}


@contextmanager
def _signals_as_exceptions() -> Iterator[None]:
    """SIGTERM becomes ``Terminated`` and SIGINT ``KeyboardInterrupt`` for the command's
    duration, so both clean up alike (SIGTERM's default action would end the process at once,
    leaving temporary files behind). A second signal during that clean-up is ignored; a signal
    ignored on purpose (nohup, ``cmd &``) stays ignored. Commands that stop gracefully on a
    signal (``stream consume``) install their own handlers; ``stream produce`` turns these
    exceptions into its own one line."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNAL_EXCEPTIONS}

    def handler(signum: int, _frame: object) -> None:
        for sig in SIGNAL_EXCEPTIONS:
            signal.signal(sig, signal.SIG_IGN)
        raise SIGNAL_EXCEPTIONS[signum]()

    for sig, before in previous.items():
        if before is not signal.SIG_IGN:
            signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


if __name__ == "__main__":
    sys.exit(main())
