"""`python tools/graph_benchmark.py` on a small bank against the real server: every round
loads every element, the per-element loads send one request per element, and the printed
medians are the rounds' medians."""

from __future__ import annotations

import statistics

import graph_benchmark as benchmark
import pytest

from banking_repository import GraphRepository

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    """A scale-0.001 bank written by ``generate_bank``."""
    from banking.data_generators.orchestration import generate_bank

    directory = tmp_path_factory.mktemp("small") / "data"
    generate_bank(0.001, 3, out_dir=directory, fmt="jsonl")
    return directory


def test_rounds_load_everything_and_report_their_medians(small_dataset, gremlin_url):
    results = benchmark.run(str(small_dataset), gremlin_url, sample=60, batch_size=100, rounds=3)
    assert results["in_flight"] == 1  # the session's server is not the checkout's own
    rounds = results["rounds"]
    assert len(rounds) == 3
    for r in rounds:
        sample = r["per_element"]["elements"]
        assert sample >= 50
        assert r["per_element"]["requests"] == sample
        assert r["per_element_pipelined"]["requests"] == sample
        batched = r["batched"]
        assert batched["requests"] < batched["elements"] / 50
        assert r["ratio"] == pytest.approx(
            batched["elements_per_s"] / r["per_element"]["elements_per_s"]
        )
    assert results["ratio"] == statistics.median(r["ratio"] for r in rounds)
    rates = sorted(r["batched"]["elements_per_s"] for r in rounds)
    assert results["batched"]["elements_per_s"] == rates[1]
    # The queries ran on the last round's graph: the whole bank.
    with GraphRepository(gremlin_url) as repo:
        counts = repo.counts()
    loaded = sum(counts["vertices"].values()) + sum(counts["edges"].values())
    assert loaded == rounds[-1]["batched"]["elements"]
    text = benchmark.report(results)
    assert "round 3" in text and "batched/per-element" in text and "ubo_per_company" in text


@pytest.mark.parametrize("option", ["--rounds", "--sample", "--batch-size", "--in-flight"])
def test_a_bad_count_is_a_usage_error(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main([str(tmp_path), option, "0"])
    assert exit_info.value.code == 2
    assert f"{option}: must be at least 1" in capsys.readouterr().err


def test_engines_side_by_side_in_one_run(small_dataset, gremlin_url, capsys):
    argv = [str(small_dataset), "--sample", "60", "--rounds", "1", "--batch-size", "100"]
    assert benchmark.main([*argv, "--engine", f"tinkergraph={gremlin_url}"]) == 0
    out = capsys.readouterr().out
    assert f"== tinkergraph ({gremlin_url})" in out
    table = out[out.index("| figure | tinkergraph |") :].splitlines()
    assert table[1] == "|---|---:|"
    batched = next(line for line in table if line.startswith("| batched load, elements/s |"))
    assert float(batched.split("|")[2].replace(",", "")) > 0
    ratio = next(line for line in table if line.startswith("| batched / one per element |"))
    assert ratio.rstrip(" |").endswith("x")
