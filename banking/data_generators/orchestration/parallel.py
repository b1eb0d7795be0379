"""Presets on a process pool: chunks written as part files, one dataset, any number of workers.

Each chunk is written by ``write_chunk`` to its own part files (``<entity>/part-NNNNN.<fmt>``)
inside the temporary sibling directory of ``atomic_directory``; the manifest (written last,
listing parts in chunk order) makes it a dataset and the directory is renamed into place. What a
part holds depends only on (seed, chunk, preset), so 1, 2 or 8 workers give the same bytes.

Ctrl-C or SIGTERM: the main process stops the pool (its workers ignore SIGINT and die on
SIGTERM), waits for them, and removes the temporary directory: nothing is left behind.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from banking import __version__
from banking.data_generators import REFERENCE_DATE
from banking.data_generators.orchestration.bank import BankSummary
from banking.data_generators.orchestration.chunks import chunk_records
from banking.data_generators.orchestration.output import atomic_directory, check_destination
from banking.data_generators.orchestration.presets import Preset, chunk_count, get_preset
from banking.dataset.schema import ENTITIES, FORMAT_VERSION
from banking.dataset.writers import PartWriter, check_format, part_name, write_manifest
from banking.errors import UsageError
from banking.progress import Progress
from banking.seeding import check_seed


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be a positive integer, got {workers!r}")
    return workers


def write_chunk(
    seed: int,
    chunk: int,
    preset: Preset,
    directory: str | Path,
    fmt: str,
    reference_date: date = REFERENCE_DATE,
) -> dict[str, Any]:
    """Write chunk ``chunk``'s part files under ``directory``; returns its rows per entity and
    pattern instances per typology (what the manifest sums)."""
    writer = PartWriter(directory, fmt, chunk)
    typologies: Counter[str] = Counter()
    try:
        for entity, columns in chunk_records(seed, chunk, preset, reference_date):
            writer.write_columns(entity, columns)
            if entity == "patterns":
                typologies.update(columns["typology"].tolist())
    except BaseException:
        writer.abort()
        raise
    return {"chunk": chunk, "counts": writer.close(), "typologies": dict(typologies)}


def _task(args: tuple[int, int, Preset, str, str, date]) -> dict[str, Any]:
    return write_chunk(*args)


def _worker_init() -> None:
    # The parent alone handles Ctrl-C (the terminal sends SIGINT to the whole group) and
    # stops the pool; SIGTERM from the pool's terminate() ends a worker at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_chunks(
    tasks: list[tuple[int, int, Preset, str, str, date]], workers: int, progress: Progress
) -> list[dict[str, Any]]:
    done: list[dict[str, Any]] = []

    def note(result: dict[str, Any]) -> None:
        done.append(result)
        progress.update(result["counts"]["transactions"])

    if workers == 1 or len(tasks) == 1:
        for task in tasks:
            note(_task(task))
        return done
    pool = multiprocessing.get_context("fork").Pool(
        min(workers, len(tasks)), initializer=_worker_init
    )
    try:
        for result in pool.imap_unordered(_task, tasks):
            note(result)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return done


def manifest_for(
    seed: int, preset: Preset, fmt: str, results: list[dict[str, Any]], reference_date: date
) -> dict[str, Any]:
    """The manifest of a parted dataset from its chunks' results (any order)."""
    results = sorted(results, key=lambda r: r["chunk"])
    chunks = [r["chunk"] for r in results]
    if chunks != list(range(chunk_count(preset))):
        raise ValueError(f"chunks {chunks[:5]}... do not cover 0..{chunk_count(preset) - 1}")
    typologies: Counter[str] = Counter()
    for r in results:
        typologies.update(r["typologies"])
    return {
        "format_version": FORMAT_VERSION,
        "format": fmt,
        "files": {entity: entity for entity in ENTITIES},
        "parts": {
            entity: [[part_name(entity, r["chunk"], fmt), r["counts"][entity]] for r in results]
            for entity in ENTITIES
        },
        "counts": {entity: sum(r["counts"][entity] for r in results) for entity in ENTITIES},
        "seed": seed,
        "preset": preset.name,
        "scale": preset.scale,
        "chunks": len(results),
        "reference_date": reference_date.isoformat(),
        "window_days": preset.span_days,
        "package_version": __version__,
        "requested_counts": {
            "accounts": preset.accounts,
            "transactions": preset.transactions,
            "laundering_transactions": preset.laundering,
        },
        "typologies": dict(sorted(typologies.items())),
    }


def finish_manifest(directory: str | Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` last: the parts under ``directory`` become a dataset."""
    write_manifest(Path(directory), manifest)


def generate_preset(
    preset: Preset,
    seed: int = 42,
    *,
    out_dir: str | Path,
    fmt: str = "jsonl",
    workers: int | None = None,
    reference_date: date = REFERENCE_DATE,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> BankSummary:
    """Write ``preset``'s bank to ``out_dir`` with ``workers`` processes (default: the cores)."""
    seed = check_seed(seed)
    workers = default_workers() if workers is None else check_workers(workers)
    fmt = check_format(fmt)
    check_destination(out_dir, overwrite)
    progress = progress or Progress(quiet=True)
    started = time.perf_counter()
    progress.start(preset.transactions, f"{preset.name} ({workers} workers)")
    try:
        with atomic_directory(out_dir, overwrite) as tmp:
            tasks = [
                (seed, c, preset, str(tmp), fmt, reference_date) for c in range(chunk_count(preset))
            ]
            results = _run_chunks(tasks, workers, progress)
            manifest = manifest_for(seed, preset, fmt, results, reference_date)
            finish_manifest(tmp, manifest)
    finally:
        progress.close()
    return BankSummary(
        seed=seed,
        scale=preset.scale,
        format=fmt,
        out_dir=Path(out_dir),
        counts=dict(manifest["counts"]),
        typologies=dict(manifest["typologies"]),
        seconds=time.perf_counter() - started,
        manifest=manifest,
    )


def generate_named(
    name: str,
    scale: float,
    seed: int,
    out_dir: str | Path | None,
    fmt: str,
    workers: int | None,
    reference_date: date,
    overwrite: bool,
    progress: Progress | None,
    overridden: bool = False,
) -> BankSummary:
    """``generate_bank(preset=name, ...)``: the preset ``name`` at ``scale``, checked."""
    chosen = get_preset(name, scale)
    if out_dir is None:
        raise UsageError("a preset is written to a directory: give out_dir (--out)")
    if overridden:
        raise UsageError(
            "a preset fixes the counts, typologies and span: drop the count, typology and "
            "window options (--scale shrinks a preset)"
        )
    options = {"fmt": fmt, "workers": workers, "reference_date": reference_date}
    return generate_preset(
        chosen, seed, out_dir=out_dir, overwrite=overwrite, progress=progress, **options
    )
