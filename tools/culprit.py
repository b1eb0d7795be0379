"""Pin each regression of the published asv site to its commit (see docs/regressions.md).

    python tools/culprit.py [--html html] [--write] [--fresh-endpoints] [--json out.json]

Reads html/regressions.json (from `asv publish`), bisects every jump that spans more than one
commit, reusing stored results and running `asv run` only on the commits it must measure.
"""

import sys

from benchgate.culprit import run

if __name__ == "__main__":
    sys.exit(run())
