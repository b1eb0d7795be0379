"""``banking generate``: write a synthetic bank with labelled AML typologies to a directory."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from banking.commands import options
from banking.dataset.formats import FORMATS
from banking.errors import UsageError

ENTITY_OPTIONS = ("persons", "companies", "accounts", "transactions", "communications")
# banking.data_generators.orchestration.presets.PRESETS (named here so --help imports nothing).
PRESET_NAMES = tuple(
    f"amlworld-{rate}-{size}" for rate in ("hi", "li") for size in ("small", "medium", "large")
)

SUMMARY = "write a synthetic bank with labelled AML patterns to a directory"
DESCRIPTION = """\
Generate a synthetic bank: persons, companies, their accounts, a year of transactions and
communications, shareholdings, and injected money-laundering patterns (structuring, fan-in,
fan-out, cycles, mule chains, ownership chains, ...) with their ground truth.

The output directory holds manifest.json plus one file per entity (persons, companies,
accounts, transactions, communications, ownership_links, patterns). The same --seed always
gives byte-identical files. Scale 1 is about 500,000 accounts and 5,000,000 transactions
(like IBM AMLworld HI-Small); --scale 0.01 takes about a second.
"""

EPILOG = """\
examples:
  banking generate --scale 0.01 --out data/bank
  banking generate --scale 0.1 --seed 7 --format parquet --out data/bank7 --force
  banking generate --scale 0.01 --transactions 1000 --out data/tiny
  banking generate --persons 10 --accounts 20 --transactions 50 --typology-count 0 --out t
  banking generate --preset amlworld-hi-small --format parquet --out data/hi-small
  banking generate --preset amlworld-li-large --scale 0.01 --workers 2 --out data/li
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = options.add_command(subparsers, "generate", SUMMARY, DESCRIPTION, EPILOG)
    parser.add_argument(
        "--scale",
        type=options.scale,
        default=None,
        help="size of the bank; 1 = ~500k accounts (default 0.01); with --preset, a factor "
        "on the preset's accounts and transactions (default 1)",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        help=f"an AMLworld-shaped bank: {', '.join(PRESET_NAMES)} (sizes, span, laundering "
        "rate and payment-format mix of the paper's datasets; default none: the --scale bank)",
    )
    parser.add_argument(
        "--workers",
        type=options.positive_int,
        metavar="N",
        help="processes for a --preset bank (default: the cores); the files do not depend on it",
    )
    options.add_seed(parser, "root seed: the same seed gives byte-identical files")
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output directory (must not exist unless --force)",
    )
    parser.add_argument(
        "--format", dest="fmt", default="jsonl", metavar="FORMAT",
        help=f"file format: {', '.join(FORMATS)} (default jsonl; parquet needs pyarrow)",
    )  # fmt: skip
    counts = parser.add_argument_group("count overrides (instead of the scale's defaults)")
    for name in ENTITY_OPTIONS:
        counts.add_argument(
            f"--{name}",
            type=options.count,
            metavar="N",
            help=f"number of {name} (default: from --scale)",
        )
    parser.add_argument(
        "--typology-count",
        type=options.count,
        metavar="N",
        help="instances of each AML typology (default: 100 x scale, at least 3; 0 for none)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing dataset in DIR")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from banking.data_generators.orchestration import generate_bank
    from banking.models import Typology
    from banking.progress import Progress

    if args.fmt not in FORMATS:
        raise UsageError(f"unknown format {args.fmt!r}; choose one of {', '.join(FORMATS)}")
    if args.workers is not None and args.preset is None:
        # The --scale bank is one process, byte-identical to the history's inputs: say so
        # rather than ignore the option.
        raise UsageError(
            "--workers applies to --preset banks only (the --scale bank is one process)"
        )
    overrides = {
        name: getattr(args, name) for name in ENTITY_OPTIONS if getattr(args, name) is not None
    }
    preset = args.preset is not None
    summary = generate_bank(
        (1.0 if preset else 0.01) if args.scale is None else args.scale,
        args.seed,
        out_dir=args.out,
        fmt=args.fmt,
        counts=overrides,
        typology_counts=None
        if args.typology_count is None
        else dict.fromkeys((t.value for t in Typology), args.typology_count),
        overwrite=args.force,
        progress=Progress(label="generating", quiet=args.quiet),
        preset=args.preset,
        workers=args.workers,
    )
    if not args.quiet:
        print(summary.render(), file=sys.stdout)
        if preset:
            print(_closing_note(summary), file=sys.stdout)
    return 0


def _closing_note(summary: Any) -> str:
    """Wall time, peak RSS (main process and largest worker), bytes, and the shape."""
    import resource

    from banking.dataset.describe import describe

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    written = sum(f.stat().st_size for f in summary.out_dir.rglob("*") if f.is_file())
    return (
        f"wall {summary.seconds:.1f} s; peak RSS {own:.0f} MB (main) + {worker:.0f} MB "
        f"(largest worker); {written:,} bytes written\n{describe(summary.out_dir).render()}"
    )
