"""``python -m banking.services up|down|status|logs|env`` (what services/run.sh runs)."""

from __future__ import annotations

import argparse
import sys

from banking.errors import BankingError
from banking.services.cli import HELP, add_arguments, run


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(
        prog="services/run.sh",
        description="Run the local Gremlin Server and Kafka broker from Maven jars.",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except BankingError as exc:
        print(f"services: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("services: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
