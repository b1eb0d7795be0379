"""Loading the bank into Gremlin Server: batched upserts against one request per element.

Needs a Gremlin Server at ``GREMLIN_URL`` (skips otherwise). The dataset has its own seed, so
its ids are disjoint from the query benchmarks' data; ``setup`` (run before every sample) and
``teardown`` delete exactly these vertices and their edges, so every sample loads into a graph
without them and nothing is left behind.
"""

from __future__ import annotations

from typing import Any

from . import common

LOAD_SEED = 4_242
PERSONS = 100  # -> 10 companies, 120 accounts (+120 owns edges), 600 transfers: ~970 elements
TRANSFERS = 600


def build_batch(persons: int = PERSONS, transfers: int = TRANSFERS, seed: int = LOAD_SEED) -> Any:
    """The GraphBatch of a small seeded bank: persons, companies, accounts (+ owns edges) and
    transfers between the accounts."""
    to_graph_batch = common.need("banking.graph", "to_graph_batch")
    gen = common.generator_classes()
    people = gen["persons"](seed).generate_batch(persons)
    companies = gen["companies"](seed).generate_batch(max(2, persons // 10))
    owners = [p.person_id for p in people] + [c.company_id for c in companies]
    accounts = gen["accounts"](seed, owners).generate_batch(persons * 6 // 5)
    txns = gen["transactions"](seed, [a.account_id for a in accounts]).generate_batch(transfers)
    batch = to_graph_batch("persons", common.to_records(people))
    for entity, models in (
        ("companies", companies),
        ("accounts", accounts),
        ("transactions", txns),
    ):
        to_graph_batch(entity, common.to_records(models), batch)
    return batch


@common.teardown_after_setup
class Load:
    """``GraphRepository.write(batch)``: hundreds of elements per request, or one each."""

    params = ("batched", "one_per_element")
    param_names = ("mode",)
    number = 1
    repeat = (1, 3, 10.0)
    warmup_time = 0.0
    timeout = 300

    def setup_cache(self) -> Any:
        try:
            common.need("banking_repository", "GraphRepository")
            return build_batch()
        except common.Skip as exc:
            return str(exc)

    def setup(self, batch: Any, mode: str) -> None:
        common.skip_if(batch if isinstance(batch, str) else None)
        url = common.require_gremlin()
        repository = common.need("banking_repository", "GraphRepository")
        self.repo = repository(url)
        self.batch = batch
        self.batch_size = {} if mode == "batched" else {"batch_size": 1}
        self._clean()

    def teardown(self, batch: Any, mode: str) -> None:
        self._clean()
        self.repo.close()

    def _clean(self) -> None:
        for label, rows in self.batch.vertices.items():
            self.repo.delete_vertices(label, [row["entity_id"] for row in rows])

    def _load(self) -> None:
        self.repo.write(self.batch, **self.batch_size)

    def time_load(self, batch: Any, mode: str) -> None:
        self._load()

    def peakmem_load(self, batch: Any, mode: str) -> None:
        self._load()

    def track_elements_per_s(self, batch: Any, mode: str) -> float:
        return common.rate(self._load, len(self.batch))

    track_elements_per_s.unit = "elements/s"

    def track_requests(self, batch: Any, mode: str) -> int:
        """Requests sent to Gremlin Server for the whole load (deterministic)."""
        before = self.repo.request_count
        self._load()
        return self.repo.request_count - before

    track_requests.unit = "requests"
    track_requests.rounds = 1

    def track_elements(self, batch: Any, mode: str) -> int:
        return len(self.batch)

    track_elements.unit = "elements"
    track_elements.rounds = 1
