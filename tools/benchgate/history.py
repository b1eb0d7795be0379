"""The published history's regressions, decided by direction, code commits and kind.

``asv publish`` lists every rise of a value as a regression (a rising rate is a speed-up), never
a falling rate, pins jumps to commits that change no package code and applies one threshold per
regex. This module re-decides the regressions from the graph series asv publish wrote
(``html/graphs/...json``, ``html/index.json``), so that no other reader of asv's results is
needed:

1. direction: a regression is a move in the worse direction, down for rates
   (``Policy.is_throughput``), up for everything else;
2. only code commits (``commits.code_commits``): points of commits that change no package code
   measure their code ancestor's code and are dropped before detection, so every jump runs
   between two code commits;
3. thresholds per kind (``Policy.history_factor``): ``instruction_factor``, ``counter_factor``
   and ``history_factors`` (time, throughput, memory); a ``time_`` jump whose instruction-count
   twin (``model.instructions_twin``) has values at both ends is decided by the twin, not listed;
4. detection: asv's own step detection (``asv.step_detect``, as asv publish runs it) for noisy
   series and counters; instruction counts repeat exactly, so any step past the threshold
   between consecutive code commits is real (``exact``). For instruction counts and counters, a
   run of three or more consecutive code commits, each worse by at least half the threshold and
   none past it alone, that is past the threshold together is one ``creeping`` regression
   spanning the run.

The result keeps asv's regressions.json layout; ``details`` says which rule listed each jump.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from asv.graph import Graph

from .commits import code_commits
from .model import Kind, entry_name, instructions_twin
from .policy import Policy
from .results import kind_of, load_commit
from .steps import Found, asv_steps, creeping, exact_steps, to_cost


class HistoryError(ValueError):
    """html/ lacks asv's index.json or a graph is malformed."""


@dataclass(frozen=True)
class Series:
    """One line of one published graph: an entry (benchmark and parameter combination)."""

    name: str
    key: str
    graph: str
    param_index: int | None
    kind: Kind
    unit: str
    points: tuple[tuple[int, float], ...]

    @property
    def higher_is_better(self) -> bool:
        return self.kind is Kind.THROUGHPUT


@dataclass
class History:
    """What the site lists (``regressions``, asv's layout) and why (``details``)."""

    regressions: list[list] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    series: int = 0
    dropped_points: int = 0
    twin_decided: list[dict] = field(default_factory=list)

    @property
    def jumps(self) -> int:
        return sum(len(r[6]) for r in self.regressions)


def _value(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def read_index(html_dir: Path) -> dict:
    try:
        return json.loads((Path(html_dir) / "index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise HistoryError(f"{html_dir} is not a published asv site: {exc}") from None


def graph_params(index: dict) -> set[str]:
    """The graph parameters asv puts into each regression: those with more than one value."""
    values: dict[str, set] = {}
    for params in index.get("graph_param_list", []):
        for k, v in params.items():
            values.setdefault(k, set())
            if v:
                values[k].add(v)
    return {k for k, v in values.items() if len(v) > 1}


def load_series(html_dir: Path, policy: Policy, index: dict | None = None) -> list[Series]:
    """Every (benchmark, parameter combination, graph) series asv publish wrote."""
    html_dir = Path(html_dir)
    index = read_index(html_dir) if index is None else index
    out: list[Series] = []
    for params in index.get("graph_param_list", []):
        for key, bench in sorted(index.get("benchmarks", {}).items()):
            rel = Graph.get_file_path(params, key) + ".json"
            path = html_dir / rel
            if not path.is_file():
                continue
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise HistoryError(f"unreadable graph {path}: {exc}") from None
            kind = kind_of(key, bench, policy)
            unit = bench.get("unit") or ""
            combos = list(itertools.product(*bench.get("params") or []))
            if not bench.get("params"):
                pts = tuple((int(r), v) for r, x in data if (v := _value(x)) is not None)
                out.append(Series(key, key, rel, None, kind, unit, pts))
                continue
            for j, combo in enumerate(combos):
                pts = tuple(
                    (int(r), v)
                    for r, xs in data
                    if isinstance(xs, list) and j < len(xs) and (v := _value(xs[j])) is not None
                )
                name = entry_name(key, combo)
                out.append(Series(name, key, rel, j, kind, unit, pts))
    return out


def load_intervals(
    results_dir: Path, index: dict, policy: Policy
) -> dict[tuple[str, str], dict[int, tuple[float, float]]]:
    """99% intervals by (graph folder, entry name) and revision, from the stored results
    (benchgate.results), for asv's weights. Only where each machine has one graph folder (one
    environment); elsewhere detection runs unweighted."""
    out: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
    param_list = index.get("graph_param_list", [])
    machines = [p.get("machine") for p in param_list]
    for params in param_list:
        machine = params.get("machine")
        if not machine or machines.count(machine) != 1:
            continue
        folder = Graph.get_file_path(params, "x").rpartition("/")[0]
        for rev, commit in index.get("revision_to_hash", {}).items():
            for name, m in load_commit(Path(results_dir), machine, commit, policy).items():
                if m.ci is not None:
                    out.setdefault((folder, name), {})[int(rev)] = m.ci
    return out


def decide(
    html_dir: Path,
    repo: Path,
    policy: Policy,
    first_commit: str | None = None,
    results_dir: Path | None = None,
) -> History:
    """Re-decide the regressions of a published site (see the module docstring); with
    ``results_dir``, asv's step detection is weighted like asv publish weights it."""
    html_dir = Path(html_dir)
    index = read_index(html_dir)
    rev_to_hash = {int(k): v for k, v in index.get("revision_to_hash", {}).items()}
    if not rev_to_hash:
        return History()
    hash_to_rev = {h: r for r, h in rev_to_hash.items()}
    newest = rev_to_hash[max(rev_to_hash)]
    chain = code_commits(Path(repo), newest)
    code_pos = {h: i for i, h in enumerate(chain)}
    start_rev = min(rev_to_hash)
    if first_commit:
        first = next((h for h in hash_to_rev if h.startswith(first_commit)), None)
        if first is None:
            later = [h for h in chain if h in hash_to_rev]
            first = later[0] if later else None
        if first is not None:
            start_rev = max(start_rev, hash_to_rev[first] + 1)

    keep = {r for r, h in rev_to_hash.items() if h in code_pos}
    intervals = load_intervals(results_dir, index, policy) if results_dir else {}
    all_series = load_series(html_dir, policy, index)
    history = History(series=len(all_series))
    by_graph_entry: dict[tuple[str, str], dict[int, float]] = {}
    code_series: list[tuple[Series, list[tuple[int, float]]]] = []
    for s in all_series:
        pts = [(r, v) for r, v in s.points if r in keep]
        history.dropped_points += len(s.points) - len(pts)
        code_series.append((s, pts))
        folder = s.graph.rpartition("/")[0]
        by_graph_entry[(folder, s.name)] = dict(pts)

    extra_params = graph_params(index)
    for s, pts in code_series:
        factor = policy.history_factor(s.kind)
        higher = s.higher_is_better
        if s.kind is Kind.INSTRUCTIONS:
            found = exact_steps(pts, factor, higher, start_rev)
            costs = [to_cost(v, higher) for _, v in pts if v > 0]
            last = pts[-1][1] if pts else None
            best = (1.0 / min(costs) if higher else min(costs)) if costs else None
        else:
            ci = intervals.get((s.graph.rpartition("/")[0], s.name))
            last, best, found = asv_steps(pts, factor, higher, start_rev, ci)
        if s.kind in (Kind.INSTRUCTIONS, Kind.COUNTER):
            # A creep explains the jumps inside its range better than one step pinned to a
            # commit in its middle (asv's detection sees a counter's creep as one step).
            for c in creeping(pts, factor, higher, start_rev):
                found = [
                    f
                    for f in found
                    if not (f.before_rev < c.after_rev and c.before_rev < f.after_rev)
                ]
                found.append(c)
            if found and last is None:
                last = pts[-1][1]
                costs = [to_cost(v, higher) for _, v in pts if v > 0]
                best = 1.0 / min(costs) if higher else min(costs)
        twin = instructions_twin(s.key)
        if twin and found:
            folder = s.graph.rpartition("/")[0]
            twin_name = twin + s.name[len(s.key) :]
            twin_pts = by_graph_entry.get((folder, twin_name), {})
            decided = [f for f in found if f.before_rev in twin_pts and f.after_rev in twin_pts]
            for f in decided:
                history.twin_decided.append(
                    {
                        "benchmark": s.name,
                        "twin": twin_name,
                        "good": rev_to_hash[f.before_rev],
                        "bad": rev_to_hash[f.after_rev],
                        "ratio": f.after / f.before,
                        "twin_ratio": twin_pts[f.after_rev] / twin_pts[f.before_rev],
                    }
                )
            found = [f for f in found if f not in decided]
        if not found:
            continue
        found.sort(key=lambda f: f.after_rev)
        jumps = []
        for f in found:
            good, bad = rev_to_hash[f.before_rev], rev_to_hash[f.after_rev]
            pinned = code_pos[bad] - code_pos[good] == 1
            jumps.append([None if pinned else f.before_rev, f.after_rev, f.before, f.after])
            history.details.append(
                {
                    "benchmark": s.name,
                    "graph": s.graph,
                    "kind": str(s.kind),
                    "good": None if pinned else good,
                    "bad": bad,
                    "last_code_commit_before": good,
                    "before": f.before,
                    "after": f.after,
                    "ratio": f.after / f.before,
                    "threshold": factor,
                    "rule": f.rule,
                    "steps": f.steps,
                    "code_commits": code_pos[bad] - code_pos[good],
                    "note": _note(s, f, factor),
                }
            )
        params = {k: v for k, v in _graph_params_of(index, s.graph).items() if k in extra_params}
        history.regressions.append([s.name, s.graph, params, s.param_index, last, best, jumps])
    return history


def _graph_params_of(index: dict, graph: str) -> dict:
    for params in index.get("graph_param_list", []):
        if graph.startswith(Graph.get_file_path(params, "x")[:-1]):
            return params
    return {}


def _note(s: Series, f: Found, factor: float) -> str:
    direction = "fell" if s.higher_is_better else "rose"
    pct = abs(f.after / f.before - 1) * 100
    limit = (factor - 1) * 100
    if f.rule == "creeping":
        return (
            f"creeping: {f.steps} consecutive code commits each worse, none past the "
            f"{limit:g}% threshold alone; together the value {direction} {pct:.1f}%"
        )
    rule = "exact step (deterministic)" if f.rule == "exact" else "asv step detection"
    return f"{rule}: the value {direction} {pct:.1f}% (threshold {limit:g}%)"
