"""The one reader of asv's results JSON: the gate, the site, the report, noise and health use it.

Files are read with asv's own loader (``asv.results.Results``, format version 2 of asv 0.6),
so every tool sees what asv itself sees. Each benchmark row is unrolled into one
:class:`~benchgate.model.Measurement` per parameter combination (the cartesian product of the
parameters, in asv's order), named the way asv names it: ``key(p1, p2)`` with the parameter
values exactly as asv stores them (their reprs: ``'persons', 1000``), or the bare ``key``. A
value is None when the benchmark failed and NaN when it was skipped.

Import it as ``benchgate.results``: every tool is a script in tools/, which puts tools/ on
``sys.path`` (tests/tools/conftest.py does the same for the tests).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from asv.results import Results, iter_results, iter_results_for_machine_and_hash
from asv.util import UserError

from .model import Kind, Measurement, entry_name, is_instructions
from .policy import Policy

_TYPE_KIND = {"time": Kind.TIME, "memory": Kind.MEMORY, "peakmemory": Kind.MEMORY}

__all__ = [
    "Results",
    "UserError",
    "find_results",
    "kind_of",
    "load_all",
    "load_commit",
    "load_meta",
    "measurements",
]


def load_meta(results_dir: Path) -> dict[str, dict]:
    """benchmarks.json that asv writes next to the results (type, unit, params per benchmark)."""
    path = Path(results_dir) / "benchmarks.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def kind_of(key: str, meta: dict, policy: Policy) -> Kind:
    """What ``key`` measures, from its benchmarks.json entry, else from asv's naming."""
    if is_instructions(key) or meta.get("unit") == "instructions":
        return Kind.INSTRUCTIONS
    if key.endswith("_cpu_seconds") or "server CPU" in (meta.get("unit") or ""):
        return Kind.SERVER_CPU
    btype = meta.get("type") or key.rpartition(".")[2].split("_", 1)[0]
    if btype in _TYPE_KIND:
        return _TYPE_KIND[btype]
    if btype == "peakmem" or btype == "mem":
        return Kind.MEMORY
    unit = meta.get("unit") or ""
    return Kind.THROUGHPUT if policy.is_throughput(key, unit) else Kind.COUNTER


def _seq(x: object, n: int) -> list:
    return list(x) if isinstance(x, list) else [x] * n


def measurements(
    res: Results, meta: dict[str, dict], policy: Policy | None = None
) -> dict[str, Measurement]:
    """Every entry of one results file, by name, benchmarks in sorted order."""
    policy = policy or Policy()
    out: dict[str, Measurement] = {}
    for key in sorted(res.get_all_result_keys()):
        params = res.get_result_params(key) or []
        combos = [tuple(str(p) for p in c) for c in itertools.product(*params)] or [()]
        n = len(combos)
        values = _seq(res.get_result_value(key, params), n)
        stats = _seq(res.get_result_stats(key, params), n)
        samples = _seq(res.get_result_samples(key, params), n)
        m = meta.get(key, {})
        kind = kind_of(key, m, policy)
        unit = m.get("unit") or ("seconds" if kind is Kind.TIME else "")
        version = res.benchmark_version.get(key)
        for combo, value, st, sm in zip(combos, values, stats, samples, strict=False):
            ci = None
            if isinstance(st, dict) and "ci_99_a" in st and "ci_99_b" in st:
                ci = (float(st["ci_99_a"]), float(st["ci_99_b"]))
            name = entry_name(key, combo)
            out[name] = Measurement(
                name=name,
                key=key,
                params=combo,
                kind=kind,
                unit=unit,
                value=None if value is None else float(value),
                samples=tuple(float(s) for s in sm) if sm else None,
                ci=ci,
                version=version,
            )
    return out


def find_results(
    results_dir: Path, machine: str, commit: str, env_name: str | None = None
) -> Results | None:
    """The results file of ``commit`` (a hash or a unique prefix) on ``machine``; None when
    nothing was saved. With several environments the first by name is used unless
    ``env_name`` selects one. An ambiguous prefix raises asv's ``UserError``."""
    found = sorted(
        iter_results_for_machine_and_hash(str(results_dir), machine, commit),
        key=lambda r: r.env_name,
    )
    if env_name is not None:
        found = [r for r in found if r.env_name == env_name]
    return found[0] if found else None


def load_commit(
    results_dir: Path, machine: str, commit: str, policy: Policy | None = None
) -> dict[str, Measurement]:
    """Every entry measured at ``commit`` on ``machine`` (the first environment by name);
    empty when nothing was saved."""
    res = find_results(results_dir, machine, commit)
    return {} if res is None else measurements(res, load_meta(results_dir), policy)


def load_all(results_dir: Path, policy: Policy | None = None) -> list[dict[str, Measurement]]:
    """The entries of every results file below ``results_dir`` (every machine, commit and
    environment), one dict per file in path order."""
    meta = load_meta(results_dir)
    files = sorted(
        iter_results(str(results_dir)),
        key=lambda r: (r.params.get("machine", ""), r.commit_hash, r.env_name),
    )
    return [measurements(res, meta, policy) for res in files]
