"""Loading the bank into each graph engine: batched upserts against one request per element.

Needs Gremlin Server at ``GREMLIN_URL`` (engine ``tinkergraph``) and JanusGraph at
``JANUSGRAPH_URL`` (``janusgraph``); an engine that is not up, or that this commit's repository
cannot write to, skips (benchmarks/engines.py). The dataset has its own seed, so its ids are
disjoint from the query benchmarks' data; ``setup`` (run before every sample) and ``teardown``
delete exactly these vertices and their edges, so every sample loads into a graph without them
and nothing is left behind.
"""

from __future__ import annotations

from typing import Any

from . import common, engines, instructions

LOAD_SEED = 4_242
PERSONS = 100  # -> 10 companies, 120 accounts (+120 owns edges), 600 transfers: ~970 elements
TRANSFERS = 600


def build_batch(persons: int = PERSONS, transfers: int = TRANSFERS, seed: int = LOAD_SEED) -> Any:
    """The GraphBatch of a small seeded bank: persons, companies, accounts (+ owns edges) and
    transfers between the accounts."""
    to_graph_batch = common.need("banking.graph", "to_graph_batch")
    batch = None
    for entity, records in bank_records(persons, transfers, seed).items():
        batch = to_graph_batch(entity, records, batch)
    return batch


@common.teardown_after_setup
@common.data_or_reason
class Load:
    """``GraphRepository.write(batch)``: hundreds of elements per request, or one each."""

    params = (engines.ENGINES, ("batched", "one_per_element"))
    param_names = ("engine", "mode")
    number = 1
    repeat = (1, 3, 10.0)
    warmup_time = 0.0
    timeout = 300

    def setup_cache(self) -> Any:
        common.need("banking_repository", "GraphRepository")
        return {"batch": build_batch(), "engines": engines.reasons()}

    def setup(self, data: Any, engine: str, mode: str) -> None:
        engines.pick(data["engines"], engine)
        self.engine = engine
        self.repo = engines.repository(engine, engines.require(engine))
        self.batch = data["batch"]
        self.batch_size = {} if mode == "batched" else {"batch_size": 1}
        self._clean()

    def teardown(self, data: Any, engine: str, mode: str) -> None:
        self._clean()
        self.repo.close()

    def _clean(self) -> None:
        for label, rows in self.batch.vertices.items():
            self.repo.delete_vertices(label, [row["entity_id"] for row in rows])

    def _load(self) -> None:
        self.repo.write(self.batch, **self.batch_size)

    def time_load(self, data: Any, engine: str, mode: str) -> None:
        self._load()

    def peakmem_load(self, data: Any, engine: str, mode: str) -> None:
        self._load()

    def track_elements_per_s(self, data: Any, engine: str, mode: str) -> float:
        return common.rate(self._load, len(self.batch))

    track_elements_per_s.unit = "elements/s"

    def track_requests(self, data: Any, engine: str, mode: str) -> int:
        """Requests sent to the graph server for the whole load (deterministic)."""
        before = self.repo.request_count
        self._load()
        return self.repo.request_count - before

    track_requests.unit = "requests"
    track_requests.rounds = 1

    def track_server_cpu_seconds(self, data: Any, engine: str, mode: str) -> float:
        """The graph server's own CPU time for one load (setup's cleanup excluded)."""
        return common.server_cpu_seconds(self._load, [engines.port(self.engine)])

    track_server_cpu_seconds.unit = "seconds (server CPU)"

    def track_elements(self, data: Any, engine: str, mode: str) -> int:
        return len(self.batch)

    track_elements.unit = "elements"
    track_elements.rounds = 1


REQUEST_ID = "00000000-0000-4000-8000-000000000000"  # fixed: the encoded bytes repeat exactly


def bank_records(persons: int = PERSONS, transfers: int = TRANSFERS, seed: int = LOAD_SEED):
    """The records of ``build_batch``'s bank, by entity type, before mapping."""
    gen = common.generator_classes()
    people = gen["persons"](seed).generate_batch(persons)
    companies = gen["companies"](seed).generate_batch(max(2, persons // 10))
    owners = [p.person_id for p in people] + [c.company_id for c in companies]
    accounts = gen["accounts"](seed, owners).generate_batch(persons * 6 // 5)
    txns = gen["transactions"](seed, [a.account_id for a in accounts]).generate_batch(transfers)
    return {
        entity: common.to_records(models)
        for entity, models in (
            ("persons", people),
            ("companies", companies),
            ("accounts", accounts),
            ("transactions", txns),
        )
    }


@common.data_or_reason
class ClientEncode:
    """The client's share of a batched load, without a server: mapping records to graph rows
    (``to_graph_batch``) and encoding the load's requests as GraphBinary, chunked as
    ``GraphRepository.write`` chunks them. What the load costs the client, apart from waiting."""

    params = ("map", "encode")
    param_names = ("step",)
    number = 1
    repeat = (3, 10, 3.0)
    warmup_time = 0.0

    def setup_cache(self) -> dict:
        return bank_records()

    def setup(self, records: dict, step: str) -> None:
        to_graph_batch = common.need("banking.graph", "to_graph_batch")

        def mapped() -> Any:
            batch = None
            for entity, rows in records.items():
                batch = to_graph_batch(entity, rows, batch)
            return batch

        if step == "map":
            self.call = mapped
            return
        self.call = self._encoder(mapped())

    @staticmethod
    def _encoder(batch: Any) -> Any:
        upserts = common.need("banking_repository.upserts")
        for name in ("vertex_rows", "edge_rows", "upsert_vertices", "upsert_edges", "chunks"):
            common.need("banking_repository.upserts", name)
        writer = common.need("banking_repository.fast_writer", "FastGraphBinaryWriter")
        size = common.need("banking_repository.graph_repository", "DEFAULT_BATCH_SIZE")
        from gremlin_python.driver.request import RequestMessage
        from gremlin_python.driver.serializer import GraphBinarySerializersV1
        from gremlin_python.structure.graph import Graph

        g = Graph().traversal()
        serializer = GraphBinarySerializersV1(writer=writer())

        def encode() -> int:
            sent = 0
            steps = [(upserts.vertex_rows, upserts.upsert_vertices, batch.vertices)]
            steps.append((upserts.edge_rows, upserts.upsert_edges, batch.edges))
            for rows_of, upsert, by_label in steps:
                for label, rows in by_label.items():
                    for chunk in upserts.chunks(rows, size):
                        args = {"gremlin": upsert(g, rows_of(label, chunk)).bytecode}
                        args["aliases"] = {"g": "g"}
                        message = RequestMessage("traversal", "bytecode", args)
                        sent += len(serializer.serialize_message(REQUEST_ID, message))
            return sent

        return encode

    def time_client(self, records: Any, step: str) -> None:
        self.call()

    def track_request_bytes(self, records: Any, step: str) -> int:
        """Bytes of the encoded requests (0 for mapping): deterministic."""
        return self.call() if step == "encode" else 0

    track_request_bytes.unit = "bytes"


@common.keep_history
class ClientEncodeInstructions(instructions.Twin):
    """Instructions of the client's mapping and encoding under callgrind."""

    target = ClientEncode
    ops = ("client",)

    def setup_cache(self) -> dict | str:
        return self.measure()
