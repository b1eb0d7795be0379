"""Benchmark gate for pull requests (see docs/regressions.md).

    python tools/bench_gate.py BASE HEAD [--bench REGEX] [--factor F] [--rounds N]
        [--repeats N] [--thresholds tools/bench_thresholds.json] [--summary out.md]

Exit codes: 0 no regression, 1 regression, 2 a benchmark failed or errored, 3 infrastructure.
Run as a script: its folder (tools/) is then on sys.path, which makes `benchgate` importable.
"""

import sys

from benchgate.gate import run

if __name__ == "__main__":
    sys.exit(run())
