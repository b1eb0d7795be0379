"""Publish the site with regressions that tell the truth (tools/publish_site.py).

1. ``asv publish`` (graphs, index.json, asv's own regressions.json);
2. the regressions re-decided from the published graphs (benchgate.history): regressions.json,
   regressions.xml and regressions-detail.json;
3. ``tools/site_vendor.py`` (scripts served from html/vendor).

The culprits page is left to ``tools/culprit.py --write``, which reads the new regressions.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .asvcmd import AsvProject, InfraError, parse_args
from .commits import CommitsError, code_commits
from .culprit import is_rising_rate
from .history import HistoryError, decide
from .policy import PolicyError, load_policy
from .site import SiteError, read_jumps, write_feed, write_regressions

TOOLS = Path(__file__).resolve().parent.parent


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="publish_site",
        description="asv publish, then regressions by direction, code commits and kind.",
    )
    p.add_argument("--root", type=Path, default=TOOLS.parent, help="project root (git + asv)")
    p.add_argument("--config", type=Path, help="asv config (default ROOT/asv.conf.json)")
    p.add_argument("--html-dir", type=Path, help="site to write (default: the config's html_dir)")
    p.add_argument("--results-dir", type=Path, help="asv results (default: the config's)")
    p.add_argument("--thresholds", type=Path, help="policy JSON (tools/bench_thresholds.json)")
    p.add_argument(
        "--skip-publish", action="store_true", help="re-decide an already published site only"
    )
    p.add_argument("--skip-vendor", action="store_true", help="do not run tools/site_vendor.py")
    return p


def first_commit(conf: dict) -> str | None:
    """regressions_first_commits when it names one commit for every benchmark."""
    firsts = {v for v in (conf.get("regressions_first_commits") or {}).values() if v}
    return firsts.pop() if len(firsts) == 1 else None


def asv_listing(html_dir: Path, code: set[str], index: dict, policy) -> dict:
    """What asv's own regressions.json lists: jumps, rises of a rate, non-code ends."""
    jumps = read_jumps(html_dir)
    benches = index.get("benchmarks", {})
    rises = sum(1 for j in jumps if is_rising_rate(j, benches, policy))
    non_code = sum(1 for j in jumps if j.bad not in code or (j.good and j.good not in code))
    return {"jumps": len(jumps), "speed_ups": rises, "non_code_ends": non_code}


def run(argv: list[str] | None = None) -> int:
    """Exit 0 on success, 3 on infrastructure/usage problems."""
    args = parse_args(build_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        project = AsvProject.at(args.root, args.config)
        conf = project.conf()
        html_dir = (args.html_dir or project.path("html_dir", "html")).resolve()
        results_dir = (args.results_dir or project.path("results_dir", "results")).resolve()
        policy = load_policy(args.thresholds)
        if not args.skip_publish:
            config = project.derived_config(results_dir, "publish", html_dir)
            rc = project.asv(["publish", "--config", str(config)])
            if rc != 0:
                raise InfraError(f"asv publish failed (exit {rc})")
        index = json.loads((html_dir / "index.json").read_text(encoding="utf-8"))
        hashes = list(index.get("revision_to_hash", {}).values())
        newest = index["revision_to_hash"][str(max(int(r) for r in index["revision_to_hash"]))]
        code = set(code_commits(project.root, newest)) if hashes else set()
        before = asv_listing(html_dir, code, index, policy)
        history = decide(html_dir, project.root, policy, first_commit(conf), results_dir)
        detail = {
            "asv_listed": before,
            "jumps": history.details,
            "twin_decided": history.twin_decided,
            "dropped_points_of_non_code_commits": history.dropped_points,
        }
        write_regressions(html_dir, history.regressions, detail)
        try:
            write_feed(html_dir, results_dir, conf.get("project", ""), history.regressions)
        except KeyError as exc:
            # A listed commit without stored results (no run date for the feed): better no
            # feed than asv's, which would contradict the page.
            (html_dir / "regressions.xml").unlink(missing_ok=True)
            print(f"publish_site: warning: no regressions.xml, no results for {exc}")
        after = asv_listing(html_dir, code, index, policy)
    except (InfraError, SiteError, HistoryError, PolicyError, CommitsError, OSError) as exc:
        print(f"publish_site: error: {exc}", file=sys.stderr)
        return 3
    except (KeyError, ValueError) as exc:
        print(f"publish_site: error: unexpected site layout: {exc!r}", file=sys.stderr)
        return 3
    rules: dict[str, int] = {}
    for d in history.details:
        rules[d["rule"]] = rules.get(d["rule"], 0) + 1
    print(
        f"asv listed {before['jumps']} jump(s): {before['speed_ups']} rise(s) of a rate, "
        f"{before['non_code_ends']} with an end on a commit that changes no package code"
    )
    print(
        f"the site lists {after['jumps']} jump(s) in {len(history.regressions)} regression(s) "
        f"({', '.join(f'{n} {r}' for r, n in sorted(rules.items())) or 'none'}): "
        f"{after['speed_ups']} speed-up(s), {after['non_code_ends']} on non-code commits; "
        f"{len(history.twin_decided)} time_ jump(s) decided by an instruction twin; "
        f"{history.dropped_points} point(s) of non-code commits left out of detection"
    )
    if not args.skip_vendor:
        rc = subprocess.run(
            [sys.executable, str(TOOLS / "site_vendor.py"), str(html_dir)], check=False
        ).returncode
        if rc != 0:
            print(f"publish_site: error: site_vendor.py failed (exit {rc})", file=sys.stderr)
            return 3
    print(f"published {html_dir}; next: python tools/culprit.py --write")
    return 0
