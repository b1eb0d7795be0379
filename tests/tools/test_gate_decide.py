"""Decision rules of the gate on hand-made measurements (no asv run)."""

from __future__ import annotations

import math

import pytest
from benchgate.decide import ExitCode, Status, compare_sets, exit_code, siblings
from benchgate.model import Kind, Measurement
from benchgate.policy import Policy
from benchgate.stats import Evidence

POLICY = Policy(default_factor=1.15)
T = "gen.Generate.time_generate_batch"
C = "gen.GenerateAllocations.track_alloc_peak_bytes"


def timing(key: str, samples: list[float] | None, params=("1000",), value=None, **kw):
    v = value if value is not None else (sorted(samples)[len(samples) // 2] if samples else None)
    name = f"{key}({', '.join(params)})" if params else key
    return Measurement(
        name, key, tuple(params), Kind.TIME, "seconds", v, tuple(samples) if samples else None, **kw
    )


def single(key: str, kind: Kind, value: float | None, params=("1000",), unit="bytes"):
    name = f"{key}({', '.join(params)})" if params else key
    return Measurement(name, key, tuple(params), kind, unit, value)


def by_name(*ms: Measurement) -> dict[str, Measurement]:
    return {m.name: m for m in ms}


FAST = [1.00, 1.01, 1.02, 0.99, 1.00, 1.03, 1.01, 1.00, 0.98, 1.02]
SLOW = [x * 1.3 for x in FAST]


def status_of(comps, name):
    return next(c for c in comps if c.name == name)


def test_clear_slowdown_is_a_regression_with_strong_evidence():
    comps = compare_sets(by_name(timing(T, FAST)), by_name(timing(T, SLOW)), POLICY)
    c = status_of(comps, f"{T}(1000)")
    assert c.status is Status.REGRESSION
    assert c.evidence is Evidence.STRONG
    assert c.p is not None and c.p < 0.002
    assert exit_code(comps) is ExitCode.REGRESSION


def test_identical_distribution_is_unchanged():
    comps = compare_sets(by_name(timing(T, FAST)), by_name(timing(T, list(FAST))), POLICY)
    assert status_of(comps, f"{T}(1000)").status is Status.UNCHANGED
    assert exit_code(comps) is ExitCode.OK


def test_shift_of_the_median_without_the_minimum_is_not_strong():
    # Load spikes inflate most head samples, but the fastest ones equal the base: asv's test
    # alone would call this different, the minimum says the code did not get slower.
    head = [1.00, 0.99, 1.45, 1.5, 1.42, 1.48, 1.44, 1.47, 1.5, 1.46]
    comps = compare_sets(by_name(timing(T, FAST)), by_name(timing(T, head)), POLICY)
    c = status_of(comps, f"{T}(1000)")
    assert c.evidence is Evidence.WEAK
    assert c.status is Status.REGRESSION  # no counter sibling: asv's behaviour
    assert "no deterministic counter" in c.note


def test_weak_timing_change_with_unchanged_counter_is_noise_suspected():
    head = [1.00, 0.99, 1.45, 1.5, 1.42, 1.48, 1.44, 1.47, 1.5, 1.46]
    before = by_name(timing(T, FAST), single(C, Kind.COUNTER, 480_000))
    after = by_name(timing(T, head), single(C, Kind.COUNTER, 480_000))
    comps = compare_sets(before, after, POLICY)
    assert status_of(comps, f"{T}(1000)").status is Status.NOISE_SUSPECTED
    assert exit_code(comps) is ExitCode.OK


def test_weak_timing_change_confirmed_by_a_worse_counter_is_a_regression():
    head = [1.00, 0.99, 1.45, 1.5, 1.42, 1.48, 1.44, 1.47, 1.5, 1.46]
    before = by_name(timing(T, FAST), single(C, Kind.COUNTER, 480_000))
    after = by_name(timing(T, head), single(C, Kind.COUNTER, 960_000))
    comps = compare_sets(before, after, POLICY)
    c = status_of(comps, f"{T}(1000)")
    assert c.status is Status.REGRESSION
    assert "confirmed by" in c.note and C in c.note


def test_strong_regression_is_not_rejected_by_unchanged_counters():
    before = by_name(timing(T, FAST), single(C, Kind.COUNTER, 480_000))
    after = by_name(timing(T, SLOW), single(C, Kind.COUNTER, 480_000))
    c = status_of(compare_sets(before, after, POLICY), f"{T}(1000)")
    assert c.status is Status.REGRESSION
    assert "pure CPU" in c.note


def test_failure_at_head_outranks_regression():
    before = by_name(timing(T, FAST), single("m.A.peakmem_x", Kind.MEMORY, 100.0, ()))
    after = by_name(
        timing(T, SLOW),
        Measurement("m.A.peakmem_x", "m.A.peakmem_x", (), Kind.MEMORY, "bytes", None),
    )
    comps = compare_sets(before, after, POLICY)
    assert status_of(comps, "m.A.peakmem_x").status is Status.FAILED
    assert exit_code(comps) is ExitCode.BENCHMARK_FAILED


def test_skips_new_fixed_and_version_changes_never_fail():
    before = by_name(
        single("m.A.track_a", Kind.COUNTER, math.nan, ()),
        single("m.A.track_b", Kind.COUNTER, None, ()),
        Measurement("m.A.track_c", "m.A.track_c", (), Kind.COUNTER, "", 1.0, version="v1"),
    )
    after = by_name(
        single("m.A.track_a", Kind.COUNTER, 5.0, ()),
        single("m.A.track_b", Kind.COUNTER, 5.0, ()),
        Measurement("m.A.track_c", "m.A.track_c", (), Kind.COUNTER, "", 9.0, version="v2"),
        single("m.A.track_d", Kind.COUNTER, 5.0, ()),
    )
    comps = compare_sets(before, after, POLICY)
    got = {c.name: c.status for c in comps}
    assert got == {
        "m.A.track_a": Status.SKIPPED,
        "m.A.track_b": Status.FIXED,
        "m.A.track_c": Status.INCOMPARABLE,
        "m.A.track_d": Status.NEW,
    }
    assert exit_code(comps) is ExitCode.OK


def test_throughput_is_higher_is_better():
    key = "m.A.track_entities_per_s"
    before = by_name(single(key, Kind.THROUGHPUT, 1000.0, (), "entities/s"))
    after = by_name(single(key, Kind.THROUGHPUT, 700.0, (), "entities/s"))
    c = compare_sets(before, after, POLICY)[0]
    assert c.status is Status.REGRESSION
    after_up = by_name(single(key, Kind.THROUGHPUT, 1400.0, (), "entities/s"))
    assert compare_sets(before, after_up, POLICY)[0].status is Status.IMPROVED


def test_counter_uses_its_own_tighter_factor():
    before = by_name(single(C, Kind.COUNTER, 1000.0))
    assert compare_sets(before, by_name(single(C, Kind.COUNTER, 1010.0)), POLICY)[0].status is (
        Status.UNCHANGED
    )
    assert compare_sets(before, by_name(single(C, Kind.COUNTER, 1050.0)), POLICY)[0].status is (
        Status.REGRESSION
    )


@pytest.mark.parametrize(
    ("counter_key", "params", "expected"),
    [
        (C, ("1000",), True),  # same module, class name extends the timing class
        ("gen.Generate.track_bytes", ("1000",), True),  # same class
        ("other.GenerateAllocations.track_alloc_peak_bytes", ("1000",), False),  # other module
        ("gen.Load.track_bytes", ("1000",), False),  # unrelated class
    ],
)
def test_sibling_rule(counter_key, params, expected):
    before = by_name(timing(T, FAST), single(counter_key, Kind.COUNTER, 1.0, params))
    comps = compare_sets(before, before, POLICY)
    t = status_of(comps, f"{T}(1000)")
    assert bool(siblings(t, [c for c in comps if c.kind is Kind.COUNTER])) is expected


def test_sibling_falls_back_to_same_leading_params():
    t_big = timing(T, FAST, params=("'persons'", "100000"))
    c_small = single(C, Kind.COUNTER, 1.0, ("'persons'", "10000"))
    c_other = single(C, Kind.COUNTER, 1.0, ("'companies'", "10000"))
    comps = compare_sets(by_name(t_big, c_small, c_other), by_name(t_big, c_small, c_other), POLICY)
    t = status_of(comps, t_big.name)
    assert [s.name for s in siblings(t, [c for c in comps if c.kind is Kind.COUNTER])] == [
        c_small.name
    ]


def test_few_samples_fall_back_to_asv_confidence_intervals():
    # 6 samples a side: Mann-Whitney can never reach p < 0.002, asv's CI test decides.
    a, b = FAST[:6], [x * 1.3 for x in FAST[:6]]
    disjoint = compare_sets(
        by_name(timing(T, a, ci=(0.99, 1.02))), by_name(timing(T, b, ci=(1.28, 1.33))), POLICY
    )[0]
    assert disjoint.evidence is Evidence.STRONG and disjoint.status is Status.REGRESSION
    overlapping = compare_sets(
        by_name(timing(T, a, ci=(0.9, 1.3))), by_name(timing(T, b, ci=(1.1, 1.5))), POLICY
    )[0]
    assert overlapping.evidence is Evidence.WEAK


def test_only_the_fast_samples_moving_is_not_strong():
    # Mode imbalance on a shared machine: the base had undisturbed rounds (1.0), the head only
    # disturbed ones (1.7), both had disturbed rounds: the slow samples did not move.
    def mode(level: float, n: int) -> list[float]:
        return [level * (1 + i / 1000) for i in range(n)]

    before = by_name(timing(T, mode(1.0, 10) + mode(1.7, 14)), single(C, Kind.COUNTER, 480_000))
    after = by_name(timing(T, mode(1.7, 24)), single(C, Kind.COUNTER, 480_000))
    c = status_of(compare_sets(before, after, POLICY), f"{T}(1000)")
    assert c.evidence is Evidence.WEAK
    assert c.status is Status.NOISE_SUSPECTED
    # A real slowdown shifts both modes.
    slower = by_name(timing(T, mode(1.3, 10) + mode(2.2, 14)), single(C, Kind.COUNTER, 480_000))
    real = status_of(compare_sets(before, slower, POLICY), f"{T}(1000)")
    assert real.evidence is Evidence.STRONG and real.status is Status.REGRESSION


INS = "gen.GenerateInstructions.track_instructions_generate_batch"


def instr(value: float | None, params=("1000",)):
    return single(INS, Kind.INSTRUCTIONS, value, params=params, unit="instructions")


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (30_300_001, Status.REGRESSION),  # +1.0000033%: past the 1% threshold, exact
        (30_299_000, Status.UNCHANGED),  # +0.997%
        (29_703_000, Status.UNCHANGED),  # 0.9901x: within 1/1.01..1.01
        (29_100_000, Status.IMPROVED),  # 0.97x: lower is better
    ],
)
def test_instruction_counts_are_exact_at_one_percent(after, status):
    comps = compare_sets(by_name(instr(30_000_000)), by_name(instr(after)), Policy())
    c = status_of(comps, f"{INS}(1000)")
    assert c.status is status
    assert c.decided_by == "instructions"
    assert c.factor == 1.01


def test_timing_with_a_twin_is_decided_by_the_twin_and_never_fails_alone():
    # Timing alone says "strong regression" (1.3x) but the instruction count did not move.
    before = by_name(timing(T, FAST), instr(30_000_000))
    after = by_name(timing(T, SLOW), instr(30_000_100))
    comps = compare_sets(before, after, POLICY)
    t = status_of(comps, f"{T}(1000)")
    assert t.status is Status.INFO
    assert t.decided_by == "instructions"
    assert t.note.startswith("decided by instructions: unchanged")
    assert "timing alone: regression" in t.note
    assert exit_code(comps) is ExitCode.OK


def test_twin_regression_fails_even_when_the_timing_is_unchanged():
    before = by_name(timing(T, FAST), instr(30_000_000))
    after = by_name(timing(T, list(FAST)), instr(30_900_000))
    comps = compare_sets(before, after, POLICY)
    assert status_of(comps, f"{INS}(1000)").status is Status.REGRESSION
    assert status_of(comps, f"{T}(1000)").status is Status.INFO
    assert exit_code(comps) is ExitCode.REGRESSION


def test_skipped_twin_leaves_the_timing_to_statistics():
    before = by_name(timing(T, FAST), instr(math.nan))
    after = by_name(timing(T, SLOW), instr(math.nan))
    comps = compare_sets(before, after, POLICY)
    t = status_of(comps, f"{T}(1000)")
    assert t.status is Status.REGRESSION
    assert t.decided_by == "timing statistics"
    assert status_of(comps, f"{INS}(1000)").status is Status.SKIPPED


def test_every_row_says_what_decided_it():
    head = [1.00, 0.99, 1.45, 1.5, 1.42, 1.48, 1.44, 1.47, 1.5, 1.46]
    before = by_name(timing(T, FAST), single(C, Kind.COUNTER, 480_000))
    after = by_name(timing(T, head), single(C, Kind.COUNTER, 480_000))
    comps = compare_sets(before, after, POLICY)
    assert status_of(comps, f"{T}(1000)").decided_by == "counter"  # noise-suspected by it
    assert status_of(comps, f"{C}(1000)").decided_by == "counter"


def test_server_cpu_time_is_shown_but_never_fails_or_confirms():
    """A server's CPU time moved 7x between two runs of unchanged code in a real gate run (JIT
    and GC of a JVM, a 10 ms clock): it is information, not a verdict, and no sibling timing
    is confirmed by it."""
    cpu = "graph.Queries.track_server_cpu_seconds"
    q = "graph.Queries.time_query"
    weak = [x * 1.3 for x in FAST[:3]]  # too few samples for strong evidence
    before = by_name(single(cpu, Kind.SERVER_CPU, 0.02, unit="s"), timing(q, FAST[:3]))
    after = by_name(single(cpu, Kind.SERVER_CPU, 0.14, unit="s"), timing(q, weak))
    comps = compare_sets(before, after, POLICY)
    moved = status_of(comps, f"{cpu}(1000)")
    assert moved.status is Status.INFO and "not a verdict" in moved.note
    timed = status_of(comps, f"{q}(1000)")  # judged on its own, as without any counter
    assert "confirmed" not in timed.note and "no deterministic counter" in timed.note
    assert exit_code([moved]) is ExitCode.OK


def test_server_cpu_seconds_are_their_own_kind():
    from benchgate.results import kind_of

    meta = {"type": "track", "unit": "seconds (server CPU)"}
    assert kind_of("graph_load.Load.track_server_cpu_seconds", meta, POLICY) is Kind.SERVER_CPU


def test_the_gate_does_not_time_again_what_an_instruction_count_decides():
    from benchgate.gate import rates_of_twinned

    meta = {
        "gen.Generate.time_generate_batch": {"unit": "seconds"},
        "gen.Generate.track_entities_per_s": {"unit": "entities/s"},
        "gen.Generate.peakmem_generate_batch": {"unit": "bytes"},
        "gen.GenerateLarge.time_generate_batch": {"unit": "seconds"},
        "q.Queries.track_requests": {"unit": "requests"},
    }
    twinned = {"gen.Generate.time_generate_batch"}
    assert rates_of_twinned(meta, twinned, POLICY) == {"gen.Generate.track_entities_per_s"}
