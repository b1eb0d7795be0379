"""Every GraphRepository query over a whole seeded bank (scale 0.001) loaded into each engine.

Needs Gremlin Server at ``GREMLIN_URL`` (engine ``tinkergraph``) and JanusGraph at
``JANUSGRAPH_URL`` (``janusgraph``); an engine that is not up, or that this commit's repository
cannot write to, skips (benchmarks/engines.py). ``setup_cache`` writes the bank into every
engine once per run with idempotent upserts, so rerunning leaves the graph unchanged; the query
ids come from the bank's ground truth (a cycle's account, an ownership chain's company, ...).
Queries that take account ids are restricted to this bank, so other data in the graph does not
change them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import common, engines

QUERY_SEED = 7
SCALE = 0.001

# Dataset files that become graph elements (the pattern ground truth file does not).
GRAPH_ENTITIES = (
    "persons",
    "companies",
    "accounts",
    "transactions",
    "communications",
    "ownership_links",
)
QUERIES = (
    "get_vertex",
    "list_vertices",
    "neighbours",
    "edges",
    "account_summary",
    "fan_in",
    "fan_out",
    "cycles",
    "cycles_time_ordered",
    "ubo",
    "shared_attribute",
    "sharing_with",
    "structuring",
)


def _first(patterns: list[Any], typology: str) -> Any:
    for pattern in patterns:
        if str(pattern.typology) == typology or getattr(pattern.typology, "value", "") == typology:
            return pattern
    raise common.Skip(f"the scale-{SCALE} bank has no {typology} pattern at this commit")


def load_bank(url: str, engine: str = "tinkergraph") -> dict[str, Any]:
    """Generate the bank, write it into ``engine``'s graph, and return the ids the queries use."""
    generate_bank = common.need("banking.data_generators.orchestration", "generate_bank")
    reader_cls = common.need("banking.dataset", "DatasetReader")
    to_graph_batch = common.need("banking.graph", "to_graph_batch")
    with common.scratch_dir("queries") as tmp, engines.repository(engine, url) as repo:
        # Start from an empty graph: the commits before the T.id change key elements by numeric
        # ids, so a bank another commit wrote is not merged but copied, and the queries would
        # traverse both copies (the benchmark server is dedicated to the suite).
        repo.drop_all()
        out = Path(tmp) / "bank"
        generate_bank(SCALE, QUERY_SEED, out_dir=out, fmt="jsonl")
        reader = reader_cls(out)
        for entity in GRAPH_ENTITIES:
            for records in reader.iter_batches(entity, batch_size=5_000):
                repo.write(to_graph_batch(entity, records))
        patterns = reader.patterns()
        person = next(iter(reader.iter_records("persons")))
    return {
        "person_id": person["person_id"],
        "cycle": list(_first(patterns, "cycle").account_ids),
        "fan_in": list(_first(patterns, "fan_in").account_ids),
        "fan_out": list(_first(patterns, "fan_out").account_ids),
        "structuring": list(_first(patterns, "structuring").account_ids),
        "ubo_company": _first(patterns, "ownership_chain").expected["company"],
    }


def query_call(repo: Any, query: str, ids: dict[str, Any]) -> Any:
    """A zero-argument callable running ``query`` with this bank's ids."""
    calls = {
        "get_vertex": lambda: repo.get_vertex(ids["person_id"]),
        "list_vertices": lambda: repo.list_vertices("account", 0, 100),
        "neighbours": lambda: repo.neighbours(ids["cycle"][0]),
        "edges": lambda: repo.edges(ids["cycle"][0], "transfer"),
        "account_summary": lambda: repo.account_summary(ids["fan_in"][0]),
        "fan_in": lambda: repo.fan_in(3, account_ids=ids["fan_in"]),
        "fan_out": lambda: repo.fan_out(3, account_ids=ids["fan_out"]),
        "cycles": lambda: repo.cycles(ids["cycle"][0], max_length=4),
        "cycles_time_ordered": lambda: repo.cycles(
            ids["cycle"][0], max_length=5, time_ordered=True
        ),
        "ubo": lambda: repo.ubo(ids["ubo_company"]),
        "shared_attribute": lambda: repo.shared_attribute("address", "person"),
        "sharing_with": lambda: repo.sharing_with(ids["person_id"]),
        "structuring": lambda: repo.structuring(account_ids=ids["structuring"]),
    }
    method = calls[query]
    if not hasattr(repo, query.removesuffix("_time_ordered")):
        raise common.Skip(f"GraphRepository.{query} does not exist at this commit")
    return method


@common.teardown_after_setup
@common.data_or_reason
class Queries:
    """One query per parameter; the client's time, memory and request count."""

    params = (engines.ENGINES, QUERIES)
    param_names = ("engine", "query")
    number = 1
    repeat = (3, 10, 1.0)
    warmup_time = 0.0
    timeout = 180

    def setup_cache(self) -> dict[str, Any]:
        common.need("banking_repository", "GraphRepository")
        return engines.reasons(lambda engine, url: load_bank(url, engine))

    def setup(self, banks: dict[str, Any], engine: str, query: str) -> None:
        ids = engines.pick(banks, engine)
        self.engine = engine
        self.repo = engines.repository(engine, engines.require(engine))
        self.call = query_call(self.repo, query, ids)
        self.call()  # connect and warm the server's plan for this traversal

    def teardown(self, banks: Any, engine: str, query: str) -> None:
        self.repo.close()

    def time_query(self, banks: Any, engine: str, query: str) -> None:
        self.call()

    def peakmem_query(self, banks: Any, engine: str, query: str) -> None:
        self.call()

    def track_requests(self, banks: Any, engine: str, query: str) -> int:
        """Requests one query sends (deterministic: 1 unless the query pages or batches)."""
        before = self.repo.request_count
        self.call()
        return self.repo.request_count - before

    track_requests.unit = "requests"
    track_requests.rounds = 1

    def track_server_cpu_seconds(self, banks: Any, engine: str, query: str) -> float:
        """The graph server's own CPU time per query, over 100 runs (its clock ticks every
        10 ms; a query takes about a millisecond)."""
        return common.server_cpu_seconds(self.call, [engines.port(self.engine)], repeat=100)

    track_server_cpu_seconds.unit = "seconds (server CPU)"
    track_server_cpu_seconds.rounds = 1

    def track_alloc_peak_bytes(self, banks: Any, engine: str, query: str) -> int:
        return common.alloc_peak(self.call)

    track_alloc_peak_bytes.unit = "bytes"
    track_alloc_peak_bytes.rounds = 1
