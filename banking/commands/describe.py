"""``banking describe DIR``: the shape of a dataset beside its preset's target row."""

from __future__ import annotations

import argparse
import sys

from banking.commands import options

SUMMARY = "print a dataset's shape: accounts, transactions, span, laundering rate, mix"
DESCRIPTION = """\
Measure a dataset written by `banking generate` (any format): bank accounts, transactions,
days spanned, the laundering rate (one laundering transaction per N), the payment-format mix
and the typology instances. A dataset made with --preset is shown beside the preset's row
(the AMLworld paper's figures, scaled by --scale) with the difference in percent.
"""
EPILOG = """\
examples:
  banking generate --preset amlworld-hi-small --scale 0.01 --out data/hi --format parquet
  banking describe data/hi
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = options.add_command(subparsers, "describe", SUMMARY, DESCRIPTION, EPILOG)
    parser.add_argument("directory", metavar="DIR", help="a dataset directory")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from banking.dataset.describe import describe

    print(describe(args.directory).render(), file=sys.stdout)
    return 0
