"""One-run performance figures of the graph layer on a generated dataset (not a test).

    python tools/graph_benchmark.py DIR [--gremlin URL] [--sample 2000] [--rounds 3]
    python tools/graph_benchmark.py DIR --engine tinkergraph=URL --engine janusgraph-1=URL ...

Warms the server up on a sample of the dataset, then, each into an empty graph, loads that
sample one request per element (one call per element, each answered before the next: a client
without batching), again one request per element through ``write(batch_size=1)`` with
``--in-flight`` requests on the wire (printed beside it, so that pipelining's share shows), and
the whole dataset in batches, ``--rounds`` times (each round's figures and the medians are printed).
Then times the queries on the loaded graph: point reads with the cache cold and warm, account
summaries, fan-in/fan-out and structuring over the dataset's pattern windows, cycles through
every injected cycle and UBO discovery for every company, as latency percentiles.
Use an empty server of your own: the graph is dropped first.

With ``--engine LABEL=URL`` (repeatable) the same measurement runs against each server in turn,
in one process, and a side-by-side Markdown table follows (docs/performance/graph.md): one
column per engine, so that ratios between engines come from one run on one machine state.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from banking import defaults
from banking.commands import options
from banking.graph.loader import ENTITIES, load_dataset, open_dataset
from banking.graph.mapping import GraphBatch, to_epoch_millis, to_graph_batch


def _sample(reader: Any, size: int) -> GraphBatch:
    """The first records of each entity, in proportion to the dataset, as one batch."""
    counts = {e: int(reader.manifest["counts"].get(e, 0)) for e in ENTITIES}
    total = sum(counts.values()) or 1
    batch = GraphBatch()
    for entity in ENTITIES:
        want = max(1, size * counts[entity] // total) if counts[entity] else 0
        for records in reader.iter_batches(entity, max(want, 1)):
            to_graph_batch(entity, records[:want], batch)
            break
    return batch


def _outside_endpoints(batch: GraphBatch) -> GraphBatch:
    """Bare vertices for the endpoints of the batch's edges that the batch lacks: written
    first, they let every element of the batch be created by one request of its own."""
    from banking_repository.upserts import VERTEX_KEY, endpoint_label

    inside = {row[VERTEX_KEY] for rows in batch.vertices.values() for row in rows}
    outside: dict[str, str] = {}
    for rows in batch.edges.values():
        for row in rows:
            for side in ("from", "to"):
                entity_id = row[f"{side}_id"]
                if entity_id not in inside:
                    outside[entity_id] = endpoint_label(row, side)
    bare = GraphBatch()
    for entity_id, label in outside.items():
        bare.add_vertex(label, {VERTEX_KEY: entity_id})
    return bare


def _one_call_per_element(repo: Any, batch: GraphBatch) -> None:
    """What a client without batching does: one call per element, each answered before the
    next is sent."""
    for label, rows in batch.vertices.items():
        for row in rows:
            repo.upsert_vertex(label, row)
    for label, rows in batch.edges.items():
        for row in rows:
            repo.upsert_edge(label, row)


def _timed_load(
    repo: Any, batch: GraphBatch, batch_size: int, load: Callable[[Any, GraphBatch], Any]
) -> dict[str, Any]:
    """``load`` of ``batch`` into an empty graph holding only the batch's outside endpoints,
    so that every element of the batch is created by the load."""
    repo.drop_all()
    repo.write(_outside_endpoints(batch), batch_size=batch_size)
    before, started = repo.request_count, time.perf_counter()
    load(repo, batch)
    return _figures(len(batch), time.perf_counter() - started, repo.request_count - before)


def _figures(elements: int, seconds: float, requests: int) -> dict[str, Any]:
    return {
        "elements": elements,
        "seconds": seconds,
        "elements_per_s": elements / seconds if seconds > 0 else 0.0,
        "requests": requests,
    }


def _load_round(repo: Any, reader: Any, one: GraphBatch, batch_size: int) -> dict[str, Any]:
    per_element = _timed_load(repo, one, batch_size, _one_call_per_element)
    pipelined = _timed_load(repo, one, batch_size, lambda r, b: r.write(b, batch_size=1))
    repo.drop_all()
    summary = load_dataset(reader, repo, batch_size=batch_size)
    batched = _figures(summary.elements, summary.seconds, summary.requests)
    rate = batched["elements_per_s"]
    return {
        "per_element": per_element,
        "per_element_pipelined": pipelined,
        "batched": batched,
        "ratio": rate / per_element["elements_per_s"],
        "ratio_pipelined": rate / pipelined["elements_per_s"],
    }


def _median_round(rounds: list[dict[str, Any]], key: str) -> Any:
    """The median of the rounds' ``key``: a ratio, or the load whose rate is the median."""
    if key.startswith("ratio"):
        return statistics.median(r[key] for r in rounds)
    loads = sorted((r[key] for r in rounds), key=lambda load: load["elements_per_s"])
    return loads[(len(loads) - 1) // 2]


def _latencies(call: Callable[[Any], Any], args: Sequence[Any]) -> dict[str, float]:
    times = []
    for arg in args:
        started = time.perf_counter()
        call(arg)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "n": len(times),
        "median_ms": statistics.median(times) if times else 0.0,
        "p95_ms": times[int(0.95 * (len(times) - 1))] if times else 0.0,
    }


def run(
    directory: str,
    url: str | None,
    sample: int,
    batch_size: int,
    rounds: int = 3,
    *,
    in_flight: int | None = None,
) -> dict[str, Any]:
    """The figures; ``in_flight`` None: 2 against the project's own server, else 1 (as
    ``banking load``)."""
    from banking.services.own import gremlin_in_flight
    from banking.services.settings import gremlin_url
    from banking_repository import GraphRepository

    reader = open_dataset(directory)
    patterns = reader.patterns()
    url = gremlin_url(url)
    results: dict[str, Any] = {"in_flight": in_flight or gremlin_in_flight(url)}
    with GraphRepository(url, timeout_s=600, in_flight=results["in_flight"]) as repo:
        repo.drop_all()
        one = _sample(reader, sample)
        # Warm the server's JIT on both paths, creating and merging; then empty the graph, so
        # that both measured loads create their elements (a merge of an existing element costs
        # the server a different amount than a create).
        repo.write(one, batch_size=batch_size)
        repo.write(one, batch_size=batch_size)
        repo.write(_sample(reader, max(1, sample // 10)), batch_size=1)
        # Rounds of all three loads, so that each path is measured as often and as warm as
        # the others: the JIT keeps speeding both up for several rounds, the one-element
        # requests more than the batches, so a ratio of first loads alone flatters batching.
        results["rounds"] = [_load_round(repo, reader, one, batch_size) for _ in range(rounds)]
        for key in ("per_element", "per_element_pipelined", "batched", "ratio", "ratio_pipelined"):
            results[key] = _median_round(results["rounds"], key)

        accounts = [v["entity_id"] for v in repo.list_vertices("account", 0, 200)]
        companies = [v["entity_id"] for v in repo.list_vertices("company", 0, 100_000)]
        cached = GraphRepository(repo.url, cache_size=1024, in_flight=results["in_flight"])
        results["get_vertex_miss"] = _latencies(cached.get_vertex, accounts)
        hits_before = cached.cache.hits
        results["get_vertex_hit"] = _latencies(cached.get_vertex, accounts)
        results["cache_hits"] = cached.cache.hits - hits_before
        cached.close()
        results["account_summary"] = _latencies(repo.account_summary, accounts)
        results["neighbours"] = _latencies(repo.neighbours, accounts)
        results["ubo_per_company"] = _latencies(repo.ubo, companies)

        def windowed(kind: str) -> list[tuple[int, int, Any]]:
            out = []
            for p in patterns:
                if p.typology.value == kind:
                    start, end = p.expected["window"]
                    out.append((to_epoch_millis(start), to_epoch_millis(end) - 1, p))
            return out

        results["fan_in_window"] = _latencies(
            lambda w: repo.fan_in(w[2].expected["degree"], w[0], w[1]), windowed("fan_in")
        )
        results["fan_out_window"] = _latencies(
            lambda w: repo.fan_out(w[2].expected["degree"], w[0], w[1]), windowed("fan_out")
        )
        results["structuring_window"] = _latencies(
            lambda w: repo.structuring(
                w[2].expected["threshold"], w[2].expected["deposit_count"], t0=w[0], t1=w[1]
            ),
            windowed("structuring"),
        )
        results["cycle_through_account"] = _latencies(
            lambda w: repo.cycles(
                w[2].expected["cycle"][0],
                max_length=w[2].expected["length"],
                time_ordered=True,
                t0=w[0],
                t1=w[1],
            ),
            windowed("cycle"),
        )
        results["shared_address"] = _latencies(lambda _: repo.shared_attribute("address"), [0])
    return results


def report(results: dict[str, Any]) -> str:
    lines = []
    for i, r in enumerate(results["rounds"], 1):
        lines.append(
            f"{f'round {i}':>22}: per element {r['per_element']['elements_per_s']:>7,.0f}/s, "
            f"pipelined {r['per_element_pipelined']['elements_per_s']:>7,.0f}/s, batched "
            f"{r['batched']['elements_per_s']:>8,.0f}/s: {r['ratio']:.1f}x "
            f"({r['ratio_pipelined']:.1f}x pipelined)"
        )
    lines.append(f"{'median of the rounds':>22}: ({results['in_flight']} in flight when pipelined)")
    for key in ("per_element", "per_element_pipelined", "batched"):
        r = results[key]
        lines.append(
            f"{key:>22}: {r['elements']:>7,} elements in {r['seconds']:7.2f} s = "
            f"{r['elements_per_s']:>9,.0f} elements/s ({r['requests']:,} requests)"
        )
    lines.append(f"{'batched/per-element':>22}: {results['ratio']:.1f}x")
    lines.append(f"{'batched/pipelined':>22}: {results['ratio_pipelined']:.1f}x")
    for key, value in results.items():
        if isinstance(value, dict) and "median_ms" in value:
            lines.append(
                f"{key:>22}: median {value['median_ms']:8.2f} ms, p95 {value['p95_ms']:8.2f} ms"
                f" (n={value['n']})"
            )
    lines.append(f"{'cache hits (2nd pass)':>22}: {results['cache_hits']}")
    return "\n".join(lines)


# Query latencies of the side-by-side table: label, results key.
TABLE_LATENCIES = {
    "get_vertex (cache miss)": "get_vertex_miss",
    "account_summary": "account_summary",
    "neighbours": "neighbours",
    "UBO per company": "ubo_per_company",
    "fan-in window": "fan_in_window",
    "fan-out window": "fan_out_window",
    "structuring window": "structuring_window",
    "cycle through account": "cycle_through_account",
    "shared address": "shared_address",
}
# Rows of the side-by-side table: label, results key, field, format.
TABLE_ROWS = (
    ("batched load, elements/s", "batched", "elements_per_s", "{:,.0f}"),
    ("one request per element, elements/s", "per_element", "elements_per_s", "{:,.0f}"),
    ("batched / one per element", "ratio", None, "{:.1f}x"),
    ("pipelined per element, elements/s", "per_element_pipelined", "elements_per_s", "{:,.0f}"),
    ("batched load, requests", "batched", "requests", "{:,}"),
    *(
        (f"{label}, median ms", key, "median_ms", "{:.2f}")
        for label, key in TABLE_LATENCIES.items()
    ),
    ("UBO per company, p95 ms", "ubo_per_company", "p95_ms", "{:.2f}"),
)


def table(by_engine: dict[str, dict[str, Any]]) -> str:
    """The side-by-side Markdown table: one row per figure, one column per engine (medians of
    the rounds for the loads)."""
    engines = list(by_engine)
    lines = [
        "| figure | " + " | ".join(engines) + " |",
        "|---|" + "---:|" * len(engines),
    ]
    for label, key, field, fmt in TABLE_ROWS:
        cells = []
        for engine in engines:
            value = by_engine[engine].get(key)
            value = value.get(field) if field and isinstance(value, dict) else value
            cells.append("n/a" if value is None else fmt.format(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    in_flight = ", ".join(f"{e}: {r['in_flight']}" for e, r in by_engine.items())
    lines.append(f"\nRequests in flight when pipelined: {in_flight}.")
    return "\n".join(lines)


def parse_engines(specs: Sequence[str]) -> dict[str, str]:
    """``LABEL=URL`` pairs in order; a malformed or repeated label is a usage error."""
    engines: dict[str, str] = {}
    for spec in specs:
        label, sep, url = spec.partition("=")
        if not sep or not label or not url.startswith(("ws://", "wss://")):
            raise ValueError(f"--engine expects LABEL=ws://HOST:PORT/gremlin, got {spec!r}")
        if label in engines:
            raise ValueError(f"--engine {label!r} given twice")
        engines[label] = url
    return engines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/graph_benchmark.py", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("directory", metavar="DIR", help="dataset written by `banking generate`")
    options.add_gremlin(parser)
    sample = "records loaded one request per element each round"
    options.add_number(parser, "--sample", 2000, sample)
    options.add_batch_size(
        parser, defaults.GRAPH_BATCH_SIZE, "graph elements (vertices and edges) per Gremlin request"
    )
    options.add_in_flight(parser)
    rounds = "rounds of the three loads; the medians are reported"
    options.add_number(parser, "--rounds", 3, rounds)
    parser.add_argument(
        "--engine",
        action="append",
        default=[],
        metavar="LABEL=URL",
        help="measure this server under LABEL (repeatable; then a side-by-side table)",
    )
    args = parser.parse_args(argv)
    try:
        engines = parse_engines(args.engine)
    except ValueError as exc:
        print(f"graph_benchmark: {exc}", file=sys.stderr)
        return 2
    if not engines:
        engines = {"": args.gremlin}
    by_engine = {}
    for label, url in engines.items():
        results = run(
            args.directory, url, args.sample, args.batch_size, args.rounds, in_flight=args.in_flight
        )
        if label:
            print(f"== {label} ({url})")
        print(report(results))
        by_engine[label] = results
    if args.engine:
        print()
        print(table(by_engine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
