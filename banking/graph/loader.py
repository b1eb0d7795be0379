"""Load a bank into the graph: dataset directory or in-memory records -> batched upserts.

Entities go in dependency order (persons, companies, accounts, then the edges), each read batch
converted by ``banking.graph.mapping`` and written with ``GraphRepository.write``. Upserts are
idempotent, so loading the same dataset twice leaves every count unchanged. A dataset is checked
in a first pass before anything is written, so bad input fails without leaving half a graph
behind: every line must parse, every record must pass ``banking.validation.validate_records``
(the check the stream consumer applies to each event's payload, so both paths accept the same
records) and map to graph elements.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from banking.defaults import GRAPH_BATCH_SIZE
from banking.entities import GRAPH_ENTITIES, TABLE, Endpoint
from banking.errors import MappingError, UsageError
from banking.graph.mapping import ENTITIES, GraphBatch, to_graph_batch
from banking.validation import InvalidRecord, validate_records

READ_BATCH = 10_000

Progress = Callable[[int], None]
"""Called with the number of records just written (for a progress bar)."""


class Writer(Protocol):
    """The part of ``GraphRepository`` the loader uses."""

    request_count: int

    def write(self, batch: GraphBatch, batch_size: int = ...) -> int: ...


class Reader(Protocol):
    """The part of ``banking.dataset.DatasetReader`` the loader uses."""

    manifest: dict[str, Any]

    def iter_batches(self, entity: str, batch_size: int = ...) -> Iterator[list[dict]]: ...

    # Optional (``DatasetReader`` has it): one read of every file, reporting file and line.
    # def verify(self, check, batch_size, entities) -> dict[str, int]: ...

    def patterns(self) -> list[Any]: ...


@dataclass
class LoadSummary:
    """What a load wrote: elements per label, records per entity, time and requests."""

    vertices: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    patterns: int = 0
    seconds: float = 0.0
    requests: int = 0
    # Edge endpoints named by the dataset but not in it, per label: created as bare vertices.
    bare_endpoints: dict[str, int] = field(default_factory=dict)

    @property
    def elements(self) -> int:
        return sum(self.vertices.values()) + sum(self.edges.values())

    @property
    def elements_per_second(self) -> float:
        return self.elements / self.seconds if self.seconds > 0 else 0.0

    def add(self, batch: GraphBatch) -> None:
        for label, rows in batch.vertices.items():
            self.vertices[label] = self.vertices.get(label, 0) + len(rows)
        for label, rows in batch.edges.items():
            self.edges[label] = self.edges.get(label, 0) + len(rows)

    def describe(self) -> str:
        """A few human lines: totals, rate, then elements per label."""
        lines = [
            f"loaded {self.elements:,} elements ({sum(self.vertices.values()):,} vertices, "
            f"{sum(self.edges.values()):,} edges) from {sum(self.records.values()):,} records "
            f"and {self.patterns:,} patterns in {self.seconds:.2f} s: "
            f"{self.elements_per_second:,.0f} elements/s, {self.requests:,} requests"
        ]
        for kind, counts in (("vertices", self.vertices), ("edges", self.edges)):
            if counts:
                parts = ", ".join(f"{label} {n:,}" for label, n in sorted(counts.items()))
                lines.append(f"  {kind}: {parts}")
        if self.bare_endpoints:
            parts = ", ".join(f"{label} {n:,}" for label, n in sorted(self.bare_endpoints.items()))
            lines.append(f"  edge endpoints not in the dataset, created as bare vertices: {parts}")
        return "\n".join(lines)


def _check_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch size must be a positive integer, got {batch_size!r}")


def load_batches(
    repo: Writer,
    batches: Iterable[tuple[str, Sequence[Mapping[str, Any]]]],
    *,
    batch_size: int = GRAPH_BATCH_SIZE,
    progress: Progress | None = None,
    summary: LoadSummary | None = None,
) -> LoadSummary:
    """Write ``(entity, records)`` batches in the order given; the core of every load."""
    _check_batch_size(batch_size)
    summary = LoadSummary() if summary is None else summary
    requests_before = repo.request_count
    started = time.perf_counter()

    def finish(entity: str, records: Sequence[Any], batch: GraphBatch, write: Future) -> None:
        write.result()
        summary.add(batch)
        summary.records[entity] = summary.records.get(entity, 0) + len(records)
        if progress is not None:
            progress(len(records))

    # The write of one batch mostly waits on the server, so it runs on a writer thread while
    # this one reads and maps the next batch. Writes stay strictly one after another, in the
    # order given (each is submitted once the one before it has finished): a graph such as
    # TinkerGraph takes one writer at a time, and edges need their vertices first.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-load-writer") as writer:
        pending: tuple[str, Sequence[Any], GraphBatch, Future] | None = None
        for entity, records in batches:
            batch = to_graph_batch(entity, records)
            if pending is not None:
                finish(*pending)
            pending = (entity, records, batch, writer.submit(repo.write, batch, batch_size))
        if pending is not None:
            finish(*pending)
    summary.seconds += time.perf_counter() - started
    summary.requests += repo.request_count - requests_before
    return summary


def load_records(
    repo: Writer,
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    batch_size: int = GRAPH_BATCH_SIZE,
    progress: Progress | None = None,
) -> LoadSummary:
    """Load JSON-native records keyed by dataset entity (any subset), vertices first."""
    unknown = sorted(set(records) - set(ENTITIES))
    if unknown:
        raise UsageError(f"unknown dataset entities: {', '.join(unknown)}")
    ordered = [(entity, records[entity]) for entity in ENTITIES if records.get(entity)]
    return load_batches(repo, ordered, batch_size=batch_size, progress=progress)


def load_models(
    repo: Writer,
    models: Mapping[str, Iterable[Any]] | Any,
    *,
    batch_size: int = GRAPH_BATCH_SIZE,
    progress: Progress | None = None,
) -> LoadSummary:
    """Load pydantic models: a mapping entity -> models, or an object with one attribute per
    entity (``InjectedPatterns``, a generated bank)."""
    if isinstance(models, Mapping):
        patterns = models.get("patterns") or ()
        entities = {e: items for e, items in models.items() if e != "patterns"}
    else:
        patterns = getattr(models, "patterns", None) or ()
        entities = {e: getattr(models, e) for e in ENTITIES if getattr(models, e, None)}
    records = {
        entity: [m.model_dump(mode="json") for m in items] for entity, items in entities.items()
    }
    summary = load_records(repo, records, batch_size=batch_size, progress=progress)
    summary.patterns = len(list(patterns))
    return summary


def open_repository(url: str | None = None, *, in_flight: int = 1, **kwargs: Any) -> Any:
    """A ``GraphRepository`` to load into. ``in_flight=2`` keeps a second request of a batched
    write on the wire; it is safe only against a server that runs one traversal at a time
    (``gremlinPool: 1``, as the project's own services are configured): concurrent writers
    corrupt a TinkerGraph (docs/performance/graph.md). 1, the default, is safe on any server."""
    from banking_repository import GraphRepository

    return GraphRepository(url, in_flight=in_flight, **kwargs)


def open_dataset(path: str | Path) -> Reader:
    """A ``DatasetReader`` for ``path``; a missing or malformed directory is a UsageError."""
    try:
        from banking.dataset import DatasetReader
    except ImportError as exc:  # the dataset package ships with the generators
        raise UsageError(f"cannot read datasets: {exc}") from None
    if not Path(path).is_dir():
        raise UsageError(f"{path} is not a directory")
    return DatasetReader(path)


def dataset_counts(reader: Reader) -> dict[str, int]:
    """Records per loadable entity, from the manifest (0 where it lists none)."""
    counts = reader.manifest.get("counts", {})
    return {entity: int(counts.get(entity, 0)) for entity in ENTITIES}


@dataclass
class DatasetCheck:
    """What the validation pass found: records per entity, patterns, and the edge endpoints
    the dataset names without holding them (distinct ids per label)."""

    records: dict[str, int] = field(default_factory=dict)
    patterns: int = 0
    bare_endpoints: dict[str, int] = field(default_factory=dict)

    @property
    def checked(self) -> int:
        return sum(self.records.values())


# Per graph entity: the id field if it is a vertex, and the endpoints it names that are other
# vertices (an account's own end of its ``owns`` edge is the account itself).
_VERTEX_ID = {e.plural: e.id_field for e in GRAPH_ENTITIES if e.vertex is not None}
_ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    e.plural: tuple(end for end in e.endpoints if end.id_field != _VERTEX_ID.get(e.plural))
    for e in GRAPH_ENTITIES
    if e.edge is not None
}


class _Endpoints:
    """Vertex ids seen so far and the distinct edge endpoints not among them. Entities come in
    ``ENTITIES`` order, every vertex entity before the edges that name them."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.missing: dict[str, set[str]] = {}

    def see(self, entity: str, records: Sequence[Mapping[str, Any]]) -> None:
        id_key = _VERTEX_ID.get(entity)
        if id_key is not None:
            self.ids.update(r[id_key] for r in records)
        for end in _ENDPOINTS.get(entity, ()):
            key = end.id_field
            for r in records:
                if r[key] not in self.ids:
                    self.missing.setdefault(end.label_of(r, r[key]), set()).add(r[key])


def check_records(entity: str, records: Sequence[Mapping[str, Any]]) -> None:
    """Reject (``InvalidRecord``, with its index) the first record the stream consumer would
    dead-letter: one that fails ``validate_records`` or cannot become graph elements."""
    validate_records(entity, records)
    if entity not in ENTITIES:  # patterns: not graph elements
        return
    try:
        to_graph_batch(entity, records)
    except MappingError:
        for index, record in enumerate(records):  # which one (the error path only)
            try:
                to_graph_batch(entity, [record])
            except MappingError as exc:
                raise InvalidRecord(entity, index, str(exc)) from None
        raise


def validate_dataset(reader: Reader, read_batch: int = READ_BATCH) -> DatasetCheck:
    """Read, validate and map every record without writing (bad input fails before the graph
    changes): a ``UsageError`` naming the file, line, field and reason of the first bad one."""
    result = DatasetCheck()
    endpoints = _Endpoints()

    def check(entity: str, records: list[dict[str, Any]]) -> None:
        check_records(entity, records)
        endpoints.see(entity, records)

    entities = (*ENTITIES, *(e.plural for e in TABLE if not e.in_graph))  # + the ground truth
    verify = getattr(reader, "verify", None)
    if verify is not None:
        counts = verify(check, read_batch, entities)
    else:  # a reader without verify (tests' in-memory ones): the same check, record numbers
        counts = {}
        for entity in entities:
            start = 0
            for records in reader.iter_batches(entity, read_batch):
                try:
                    check(entity, records)
                except InvalidRecord as exc:
                    raise UsageError(
                        f"{entity} record {start + exc.index + 1}: {exc.reason}"
                    ) from None
                start += len(records)
            counts[entity] = start
    result.patterns = counts.pop("patterns", 0)
    result.records = counts
    result.bare_endpoints = {label: len(ids) for label, ids in endpoints.missing.items()}
    return result


def load_dataset(
    path: str | Path | Reader,
    repo: Writer,
    batch_size: int = GRAPH_BATCH_SIZE,
    progress: Progress | None = None,
    *,
    validate: bool = True,
    read_batch: int = READ_BATCH,
    checked: DatasetCheck | None = None,
) -> LoadSummary:
    """Load a dataset directory written by ``banking generate`` (or an open reader).

    ``checked`` is the result of a ``validate_dataset`` already run on ``reader`` (the CLI
    validates before it connects); without it and with ``validate``, this runs it first."""
    _check_batch_size(batch_size)
    reader = open_dataset(path) if isinstance(path, str | Path) else path
    if checked is None and validate:
        checked = validate_dataset(reader, read_batch)

    def batches() -> Iterator[tuple[str, list[dict[str, Any]]]]:
        for entity in ENTITIES:
            for records in reader.iter_batches(entity, read_batch):
                yield entity, records

    summary = load_batches(repo, batches(), batch_size=batch_size, progress=progress)
    if checked is not None:
        summary.patterns = checked.patterns
        summary.bare_endpoints = dict(checked.bare_endpoints)
    else:
        summary.patterns = len(reader.patterns())
    return summary
