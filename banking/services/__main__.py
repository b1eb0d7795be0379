"""``python -m banking.services up|down|status|logs|env|warm`` (what services/run.sh runs)."""

from __future__ import annotations

import argparse
import sys

from banking.cli import Parser, run_command
from banking.services.cli import DESCRIPTION, HELP, add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="services/run.sh",
        description=DESCRIPTION,
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run_command(run, parser.parse_args(argv), "services")


if __name__ == "__main__":
    sys.exit(main())
