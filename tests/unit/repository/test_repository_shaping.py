"""Result shaping of the AML queries, on hand-made server answers."""

import pytest

from banking_repository.queries import (
    Cycle,
    OwnershipChain,
    shape_cycles,
    shape_fan,
    shape_structuring,
    shape_ubo,
)


def _link(pct, link_id):
    return {"pct": pct, "edge_id": link_id}


def test_ubo_multiplies_along_paths_and_sums_per_person():
    paths = [
        # COM-1 <- 50% COM-2 <- 50% PER-1  => 25 %
        ["COM-1", _link(50.0, "L1"), "COM-2", _link(50.0, "L2"), "PER-1"],
        # COM-1 <- 10% PER-1 directly => +10 % (35 % in total)
        ["COM-1", _link(10.0, "L3"), "PER-1"],
        # COM-1 <- 24.9% PER-2 => under the threshold
        ["COM-1", _link(24.9, "L4"), "PER-2"],
    ]
    owners = shape_ubo(paths, 25.0)
    assert [o.person_id for o in owners] == ["PER-1"]
    assert owners[0].effective_pct == pytest.approx(35.0)
    assert {c.links for c in owners[0].chains} == {("L2", "L1"), ("L3",)}
    chain = next(c for c in owners[0].chains if len(c.entities) == 3)
    assert chain.entities == ("PER-1", "COM-2", "COM-1")
    assert chain.effective_pct == pytest.approx(25.0)


def test_ubo_threshold_is_inclusive_despite_float_products():
    # 0.7 * (25/0.7) % is 25 % mathematically but not exactly in floating point.
    paths = [["COM-1", _link(25 / 0.7, "L1"), "COM-2", _link(70.0, "L2"), "PER-1"]]
    assert [o.person_id for o in shape_ubo(paths, 25.0)] == ["PER-1"]
    paths = [["COM-1", _link(24.9, "L1"), "PER-9"]]
    assert shape_ubo(paths, 25.0) == []
    assert [o.person_id for o in shape_ubo(paths, 25.0, include_below=True)] == ["PER-9"]


def test_ownership_chain_effective_pct():
    assert OwnershipChain(("P", "C"), (40.0,), ("L",)).effective_pct == pytest.approx(40.0)


def test_cycles_are_unique_per_transfer_set_and_respect_min_length():
    a = ["ACC-1", "T1", "ACC-2", "T2", "ACC-3", "T3", "ACC-1"]
    rotated = ["ACC-2", "T2", "ACC-3", "T3", "ACC-1", "T1", "ACC-2"]
    short = ["ACC-1", "T8", "ACC-9", "T9", "ACC-1"]
    cycles = shape_cycles([a, rotated, short], min_length=2)
    assert cycles == [
        Cycle(("ACC-1", "ACC-9"), ("T8", "T9")),
        Cycle(("ACC-1", "ACC-2", "ACC-3"), ("T1", "T2", "T3")),
    ]
    assert [c.length for c in shape_cycles([a, short], min_length=3)] == [3]


def test_fan_results_are_sorted_maps():
    rows = [{"ACC-2": ["ACC-5", "ACC-6"]}, {"ACC-1": ["ACC-7"]}]
    assert list(shape_fan(rows)) == ["ACC-1", "ACC-2"]


def _deposit(t, amount, txn):
    return {"t": t, "a": amount, "id": txn}


def test_structuring_finds_the_densest_window():
    day = 86_400_000
    deposits = [_deposit(i * day, 9_000.0, f"T{i}") for i in (0, 10, 11, 12)]
    rows = [{"ACC-1": deposits}]
    (case,) = shape_structuring(rows, min_count=3, window_ms=3 * day)
    assert case.count == 3 and case.transfers == ("T10", "T11", "T12")
    assert case.total == pytest.approx(27_000.0)
    assert case.first_timestamp == 10 * day and case.last_timestamp == 12 * day
    assert shape_structuring(rows, min_count=4, window_ms=3 * day) == []
    (whole,) = shape_structuring(rows, min_count=4, window_ms=None)
    assert whole.count == 4
