"""tools/graph_benchmark.py's side-by-side table and its --engine option, without a server."""

from __future__ import annotations

import graph_benchmark as benchmark
import pytest


def _results(rate: float, ubo_ms: float) -> dict:
    load = {"elements": 100, "seconds": 1.0, "elements_per_s": rate, "requests": 1}
    return {
        "in_flight": 1,
        "batched": load,
        "per_element": {**load, "elements_per_s": rate / 20},
        "ratio": 20.0,
        "ubo_per_company": {"n": 3, "median_ms": ubo_ms, "p95_ms": ubo_ms * 2},
    }


def test_one_column_per_engine_in_the_order_given() -> None:
    text = benchmark.table(
        {"tinkergraph": _results(50_000, 1.5), "janusgraph-1": _results(12_000, 40.0)}
    )
    lines = text.splitlines()
    assert lines[0] == "| figure | tinkergraph | janusgraph-1 |"
    assert "| batched load, elements/s | 50,000 | 12,000 |" in lines
    assert "| batched / one per element | 20.0x | 20.0x |" in lines
    assert "| UBO per company, median ms | 1.50 | 40.00 |" in lines
    assert "| cycle through account, median ms | n/a | n/a |" in lines  # not measured
    assert lines[-1] == "Requests in flight when pipelined: tinkergraph: 1, janusgraph-1: 1."


def test_engine_specs_keep_their_order() -> None:
    specs = ["tinkergraph=ws://127.0.0.1:8331/gremlin", "janusgraph=ws://127.0.0.1:8332/gremlin"]
    assert list(benchmark.parse_engines(specs)) == ["tinkergraph", "janusgraph"]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("janusgraph", "expects LABEL=ws://"),
        ("=ws://127.0.0.1:1/gremlin", "expects LABEL=ws://"),
        ("janusgraph=http://127.0.0.1:1", "expects LABEL=ws://"),
    ],
)
def test_a_malformed_engine_is_one_line_and_exit_2(spec: str, message: str, capsys) -> None:
    assert benchmark.main(["/nonexistent", "--engine", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_repeated_label_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice"):
        benchmark.parse_engines(["a=ws://h:1/gremlin", "a=ws://h:2/gremlin"])
