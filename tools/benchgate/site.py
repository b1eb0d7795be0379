"""Reading asv's published regressions and writing the culprits page into the site."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

NAV_MARKER = '<li id="nav-li-regressions">'
DETAIL_FILE = "regressions-detail.json"
NAV_LINK = '<li id="nav-li-culprits"><a href="culprits.html">Culprits</a></li>'


class SiteError(ValueError):
    """html/ lacks asv's regressions.json/index.json, or they are malformed."""


@dataclass(frozen=True)
class Jump:
    """One step up in one published graph, between two commits that both have results.

    ``good`` is None when asv already pinned the jump to a single commit.
    """

    name: str
    graph: str
    machine: str | None
    python: str | None
    good: str | None
    bad: str
    before: float
    after: float


def _segment(graph: str, prefix: str) -> str | None:
    m = re.search(rf"(?:^|/){prefix}-([^/]+)", graph)
    return m.group(1) if m else None


def read_jumps(html_dir: Path) -> list[Jump]:
    """Every jump listed in html/regressions.json (format: asv/plugins/regressions.py).

    Each regression is ``[name, graph_path, graph_params, param_index, last_value,
    best_value, jumps]``; each jump ``[rev_before | null, rev_after, value_before,
    value_after]`` with revisions mapped to hashes by index.json's ``revision_to_hash``.
    """
    html_dir = Path(html_dir)
    try:
        regs = json.loads((html_dir / "regressions.json").read_text(encoding="utf-8"))
        index = json.loads((html_dir / "index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SiteError(f"{html_dir} is not a published asv site: {exc}") from None
    rev_to_hash = {int(k): v for k, v in index.get("revision_to_hash", {}).items()}
    out = []
    try:
        for name, graph, _params, _idx, _last, _best, jumps in regs["regressions"]:
            for rev_a, rev_b, v_a, v_b in jumps:
                out.append(
                    Jump(
                        name=name,
                        graph=graph,
                        machine=_segment(graph, "machine"),
                        python=_segment(graph, "python"),
                        good=None if rev_a is None else rev_to_hash[int(rev_a)],
                        bad=rev_to_hash[int(rev_b)],
                        before=float(v_a),
                        after=float(v_b),
                    )
                )
    except (KeyError, TypeError, ValueError) as exc:
        raise SiteError(f"unexpected regressions.json layout in {html_dir}: {exc!r}") from None
    return out


def write_regressions(html_dir: Path, regressions: list[list], detail: dict) -> list[Path]:
    """regressions.json in asv's layout (what html/regressions.js renders) and, beside it,
    regressions-detail.json: which rule listed each jump (notes for the culprits page)."""
    html_dir = Path(html_dir)
    rpath = html_dir / "regressions.json"
    # asv writes it compact (asv.util.write_json(..., compact=True)).
    rpath.write_text(
        json.dumps({"regressions": regressions}, separators=(",", ":")), encoding="utf-8"
    )
    dpath = html_dir / DETAIL_FILE
    dpath.write_text(json.dumps(detail, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [rpath, dpath]


def write_feed(html_dir: Path, results_dir: Path, project: str, regressions: list[list]) -> Path:
    """regressions.xml (the Atom feed the Regressions page links) for ``regressions``, written
    by asv's own feed writer so that it matches regressions.json."""
    from types import SimpleNamespace

    from asv.plugins.regressions import Regressions

    html_dir = Path(html_dir)
    index = json.loads((html_dir / "index.json").read_text(encoding="utf-8"))
    rev_to_hash = {int(k): v for k, v in index.get("revision_to_hash", {}).items()}
    conf = SimpleNamespace(
        html_dir=str(html_dir),
        results_dir=str(results_dir),
        project=project,
        show_commit_url=index.get("show_commit_url") or "",
    )
    revisions = {h: r for r, h in rev_to_hash.items()}
    Regressions._save_feed(conf, index["benchmarks"], regressions, revisions, rev_to_hash)
    return html_dir / "regressions.xml"


def read_detail(html_dir: Path) -> dict:
    """regressions-detail.json written by the publish step ({} for a bare asv publish)."""
    try:
        data = json.loads((Path(html_dir) / DETAIL_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def annotate(culprits: list[dict], detail: dict) -> None:
    """Copy each jump's rule and note (e.g. "creeping: ...") from the publish step's detail
    into the culprit rows that pin it."""
    notes = {(d["benchmark"], d.get("good"), d["bad"]): d for d in detail.get("jumps", [])}
    for c in culprits:
        d = notes.get((c.get("benchmark"), c.get("good"), c.get("bad")))
        if d is not None:
            c["rule"] = d.get("rule", "")
            c["note"] = d.get("note", "")


def show_commit_url(html_dir: Path) -> str:
    try:
        index = json.loads((Path(html_dir) / "index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return ""
    url = index.get("show_commit_url") or ""
    return "" if url == "#" else url


def write_site(html_dir: Path, culprits: list[dict]) -> list[Path]:
    """culprits.json + culprits.html, and a "Culprits" entry in the site's navigation bar."""
    html_dir = Path(html_dir)
    detail = read_detail(html_dir)
    annotate(culprits, detail)
    data = {"culprits": culprits}
    jpath = html_dir / "culprits.json"
    jpath.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    hpath = html_dir / "culprits.html"
    hpath.write_text(render_html(culprits, detail.get("twin_decided", [])), encoding="utf-8")
    index = html_dir / "index.html"
    if index.exists():
        text = index.read_text(encoding="utf-8")
        if NAV_LINK not in text and NAV_MARKER in text:
            text = text.replace(NAV_MARKER, NAV_LINK + "\n\t" + NAV_MARKER, 1)
            index.write_text(text, encoding="utf-8")
    return [jpath, hpath]


def _link(url: str, commit: str | None) -> str:
    if not commit:
        return ""
    short = html.escape(commit[:8])
    return f'<a href="{html.escape(url + commit)}"><code>{short}</code></a>' if url else short


def _twins(decided: list[dict]) -> str:
    if not decided:
        return ""
    items = "\n".join(
        f"<li>{html.escape(d['benchmark'])}: {d['ratio']:.2f}x in wall-clock time, "
        f"{d['twin_ratio']:.4f}x in instructions ({html.escape(d['twin'])})</li>"
        for d in decided
    )
    return (
        "<p>Wall-clock jumps decided by the benchmark's instruction count (not listed as "
        f"regressions; they stay on the graphs):</p>\n<ul>\n{items}\n</ul>"
    )


def render_html(culprits: list[dict], twin_decided: list[dict] | None = None) -> str:
    rows = []
    for c in culprits:
        pinned = c.get("culprit")
        verdict = (
            f"{_link(c.get('commit_url', ''), pinned)} {html.escape(c.get('subject', ''))}"
            if pinned
            else f"not pinned: {html.escape(c.get('reason', ''))}"
        )
        bench = html.escape(c["benchmark"])
        rows.append(
            "<tr>"
            f'<td><a href="index.html#{html.escape(c["benchmark"].split("(")[0])}">{bench}</a></td>'
            f"<td>{_link(c.get('commit_url', ''), c.get('good'))}..."
            f"{_link(c.get('commit_url', ''), c.get('bad'))} ({c.get('range_size', 1)})</td>"
            f"<td>{verdict}</td>"
            f"<td>{html.escape(str(c.get('signal', '')))}</td>"
            f"<td>{len(c.get('built', []))}</td>"
            f"<td>{html.escape(c.get('note', ''))}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="6">No published regression.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Regression culprits</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }}
</style>
</head>
<body>
<p><a href="index.html">&larr; benchmarks</a> · <a href="index.html#/regressions">regressions</a>
· <a href="culprits.json">culprits.json</a></p>
<h1>Regression culprits</h1>
<p>Each regression the site shows over a range of commits, bisected to the commit that caused
it (tools/culprit.py; see docs/regressions.md).</p>
<table>
<thead><tr><th>Benchmark</th><th>Published range (commits)</th><th>Culprit</th>
<th>Decided by</th><th>Commits built</th><th>Note</th></tr></thead>
<tbody>
{body}
</tbody>
</table>
{_twins(twin_decided or [])}
</body>
</html>
"""
