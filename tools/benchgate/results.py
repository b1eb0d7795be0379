"""Read asv results JSON (via asv's own loader) into Measurement records."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from asv.results import iter_results_for_machine_and_hash

from .model import Kind, Measurement, entry_name, is_instructions
from .policy import Policy

_TYPE_KIND = {"time": Kind.TIME, "memory": Kind.MEMORY, "peakmemory": Kind.MEMORY}


def load_meta(results_dir: Path) -> dict[str, dict]:
    """benchmarks.json that asv writes next to the results (type, unit, params per benchmark)."""
    path = Path(results_dir) / "benchmarks.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def kind_of(key: str, meta: dict, policy: Policy) -> Kind:
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


def load_commit(
    results_dir: Path, machine: str, commit: str, policy: Policy, env_name: str | None = None
) -> dict[str, Measurement]:
    """Every entry measured at ``commit`` on ``machine``; empty when nothing was saved.

    With several environments the first by name is used unless ``env_name`` selects one.
    """
    meta = load_meta(results_dir)
    found = sorted(
        iter_results_for_machine_and_hash(str(results_dir), machine, commit),
        key=lambda r: r.env_name,
    )
    if env_name is not None:
        found = [r for r in found if r.env_name == env_name]
    if not found:
        return {}
    res = found[0]
    out: dict[str, Measurement] = {}
    for key in res.get_all_result_keys():
        params = res.get_result_params(key)
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
            value_f = None if value is None else float(value)
            clean = tuple(float(s) for s in sm) if sm else None
            name = entry_name(key, combo)
            out[name] = Measurement(
                name=name,
                key=key,
                params=combo,
                kind=kind,
                unit=unit,
                value=value_f,
                samples=clean,
                ci=ci,
                version=version,
            )
    return out


def entry_value(
    results_dir: Path, machine: str, commit: str, name: str, policy: Policy
) -> float | None:
    """One entry's value at a commit (None when not stored or failed; NaN when skipped)."""
    m = load_commit(results_dir, machine, commit, policy).get(name)
    return None if m is None else m.value


def has_value(v: float | None) -> bool:
    return v is not None and not math.isnan(v)
