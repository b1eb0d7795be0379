"""benchmarks/instructions.py: callgrind counts that repeat exactly and see a 3% change.

These run real Valgrind (a few seconds each); CI installs it. Without it they skip, and the
twins' own behaviour without Valgrind (a skip with a reason) is tested here too.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from benchmarks import instructions  # noqa: E402

needs_valgrind = pytest.mark.skipif(
    instructions.missing_tools() is not None, reason=str(instructions.missing_tools())
)

TINY = """
from . import instructions


class Work:
    params = ((0, 2000, 2060), ("plain", "skipped", "broken"))
    param_names = ("n", "mode")

    def setup(self, n, mode):
        if mode == "skipped":
            raise NotImplementedError("not at this commit")
        self.data = list(range(n))

    def time_sum(self, n, mode):
        if mode == "broken":
            raise ValueError("boom")
        parity = 0  # stays a cached small int: the loop allocates nothing
        for x in self.data:
            if x & 1:
                parity ^= 1
        return parity


class WorkInstructions(instructions.Twin):
    target = Work
    ops = ("sum",)

    def setup_cache(self):
        return self.measure()
"""


@pytest.fixture()
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A throw-away benchmark package holding a copy of the harness, as the gate's experiment
    repository does."""
    package = tmp_path / "tinysuite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(ROOT / "benchmarks" / "instructions.py", package / "instructions.py")
    (package / "bench_tiny.py").write_text(TINY)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("tinysuite.bench_tiny")
    for name in [m for m in sys.modules if m.startswith("tinysuite")]:
        del sys.modules[name]


def test_param_grid_follows_asv() -> None:
    assert instructions.param_grid([]) == [()]
    assert instructions.param_grid(("a", "b")) == [("a",), ("b",)]
    assert instructions.param_grid(((1, 2), ("x",))) == [(1, "x"), (2, "x")]


def test_read_dumps_names_each_client_request(tmp_path: Path) -> None:
    (tmp_path / "callgrind.out.7.1").write_text(
        "version: 1\ndesc: Trigger: Client Request: bgb-0-op\nevents: Ir\nsummary: 1234\n"
    )
    (tmp_path / "callgrind.out.7").write_text(
        "desc: Trigger: Program termination\nevents: Ir\nsummary: 99\n"
    )
    assert instructions.read_dumps(tmp_path) == {"bgb-0-op": 1234, "exit": 99}


def test_twin_has_the_targets_params_and_one_track_per_op(suite) -> None:
    twin = suite.WorkInstructions
    assert twin.params == suite.Work.params and twin.param_names == suite.Work.param_names
    track = twin.track_instructions_sum
    assert track.unit == "instructions" and len(track.version) == 64


def test_a_twin_must_name_existing_time_methods(suite) -> None:
    with pytest.raises(TypeError, match="no time_nothing"):

        class Bad(instructions.Twin):
            target = suite.Work
            ops = ("nothing",)

            def setup_cache(self):
                return self.measure()


def test_without_valgrind_the_twin_skips_with_a_reason(suite, monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    twin = suite.WorkInstructions()
    measured = twin.setup_cache()
    assert isinstance(measured, str) and "valgrind is not installed" in measured
    with pytest.raises(NotImplementedError, match="valgrind"):
        twin.setup(measured, 2000, "plain")


@needs_valgrind
def test_counts_repeat_exactly_and_see_a_three_percent_change(suite) -> None:
    twin = suite.WorkInstructions()
    first, second = twin.setup_cache(), twin.setup_cache()
    base = twin.track_instructions_sum(first, 0, "plain")
    small = twin.track_instructions_sum(first, 2000, "plain") - base
    large = twin.track_instructions_sum(first, 2060, "plain") - base
    for n in (0, 2000, 2060):
        a = twin.track_instructions_sum(first, n, "plain")
        b = twin.track_instructions_sum(second, n, "plain")
        assert abs(a - b) / a <= 0.0005, (n, a, b)
    # 3% more loop iterations: 3% more instructions in the loop. (A loop that allocates also
    # depends on the allocator's state that earlier work left: up to ~3% in a loop this small.)
    assert 1.029 < large / small < 1.031, (base, small, large)


@needs_valgrind
def test_a_skipping_combination_skips_and_a_failing_one_fails(suite) -> None:
    harness = sys.modules["tinysuite.instructions"]
    twin = suite.WorkInstructions()
    measured = twin.setup_cache()
    with pytest.raises(NotImplementedError, match="not at this commit"):
        twin.setup(measured, 2000, "skipped")
    twin.setup(measured, 2000, "broken")  # setup is fine; the count itself failed
    with pytest.raises(harness.MeasureError, match="ValueError: boom"):
        twin.track_instructions_sum(measured, 2000, "broken")


@needs_valgrind
def test_a_command_counts_the_whole_process() -> None:
    short = instructions.count_command([sys.executable, "-S", "-c", "pass"], 120)
    longer = instructions.count_command([sys.executable, "-S", "-c", "sum(range(200000))"], 120)
    assert short > 1_000_000 and longer > short


# The in-process benchmark classes (pure client-side CPU): each time_ method has a twin.
IN_PROCESS = {
    "generators": ["Generate"],
    "patterns": ["Inject"],
    "scenario": ["GenerateBank"],
    "serialization": ["Serialize"],
    "graph_load": ["ClientEncode"],
    "cli": ["Startup"],
}


@pytest.mark.parametrize("module", sorted(IN_PROCESS))
def test_every_in_process_time_benchmark_has_an_instruction_twin(module: str) -> None:
    mod = importlib.import_module(f"benchmarks.{module}")
    for cls_name in IN_PROCESS[module]:
        twin = getattr(mod, f"{cls_name}Instructions")
        for method in dir(getattr(mod, cls_name)):
            if method.startswith("time_"):
                op = method.removeprefix("time_")
                assert hasattr(twin, f"track_instructions_{op}"), (cls_name, method)
