"""Publish the asv site with regressions that tell the truth (docs/regressions.md).

    python tools/publish_site.py [--html-dir html] [--results-dir results] [--skip-publish]
                                 [--skip-vendor] [--thresholds tools/bench_thresholds.json]

Runs `asv publish`, re-decides html/regressions.json (and regressions.xml) from the published
graphs: only slowdowns (a rate that falls, anything else that rises), only code commits,
thresholds per kind from tools/bench_thresholds.json, instruction counts deciding for their
time_ twin, creeping regressions; then tools/site_vendor.py. Afterwards
`python tools/culprit.py --write` pins each listed regression.
"""

import sys

from benchgate.publish import run

if __name__ == "__main__":
    sys.exit(run())
