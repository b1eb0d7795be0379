"""Compare the instruction counts of the same commits in two asv results directories.

    python tools/instruction_drift.py OTHER_RESULTS [--results results] [--machine M] [COMMIT...]

The counts must carry across machines of one kind (Valgrind presents the same CPU to the
program): measure a few commits again on another machine into a scratch results directory
(``asv run --bench Instructions`` with a config whose ``results_dir`` points there) and compare
them with the committed history. Prints, per commit, how many counts were compared and the
largest relative difference, then the largest overall; exits 1 past ``--limit`` (0.5%), 2 on
bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchgate.model import Kind
from benchgate.policy import Policy
from benchgate.results import load_commit

ROOT = Path(__file__).resolve().parent.parent


def counts(results: Path, machine: str, commit: str) -> dict[str, float]:
    measured = load_commit(results, machine, commit, Policy())
    return {n: m.value for n, m in measured.items() if m.kind is Kind.INSTRUCTIONS and m.ok}


def drift(
    base: Path, other: Path, machine: str, commits: list[str]
) -> list[tuple[str, int, float, str]]:
    """(commit, counts compared, largest relative difference, its entry) per commit."""
    rows = []
    for commit in commits:
        a, b = counts(base, machine, commit), counts(other, machine, commit)
        shared = sorted(set(a) & set(b))
        worst, where = 0.0, ""
        for name in shared:
            diff = abs(b[name] - a[name]) / a[name]
            if diff >= worst:
                worst, where = diff, name
        rows.append((commit, len(shared), worst, where))
    return rows


def _commits_in(results: Path, machine: str) -> list[str]:
    files = (results / machine).glob("*-*.json")
    return sorted({p.name.split("-", 1)[0] for p in files if p.name != "machine.json"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="results directory of the re-measurement")
    parser.add_argument("commits", nargs="*", help="commit prefixes (default: all in OTHER)")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--machine", default="polyglot-2c24g")
    parser.add_argument("--limit", type=float, default=0.005)
    args = parser.parse_args(argv)
    if not (args.other / args.machine).is_dir():
        print(f"instruction_drift: no results of {args.machine} in {args.other}", file=sys.stderr)
        return 2
    commits = args.commits or _commits_in(args.other, args.machine)
    rows = [r for r in drift(args.results, args.other, args.machine, commits) if r[1]]
    if not rows:
        print("instruction_drift: no instruction counts in common", file=sys.stderr)
        return 2
    for commit, n, worst, where in rows:
        print(f"{commit[:8]}  {n:4d} counts  largest difference {worst:.4%}  {where}")
    overall = max(worst for _, _, worst, _ in rows)
    print(f"largest difference over {len(rows)} commits: {overall:.4%} (limit {args.limit:.2%})")
    return 1 if overall > args.limit else 0


if __name__ == "__main__":
    sys.exit(main())
