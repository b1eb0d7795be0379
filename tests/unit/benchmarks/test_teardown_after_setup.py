import pytest

from benchmarks import common


@common.teardown_after_setup
class _Bench:
    def __init__(self, available: bool) -> None:
        self.available = available
        self.torn_down = False

    def setup(self, n: int) -> None:
        if not self.available:
            raise NotImplementedError("API missing at this commit")
        self.resource = n

    def teardown(self, n: int) -> None:
        self.resource += 0  # fails with AttributeError if setup did not finish
        self.torn_down = True


def test_teardown_is_skipped_after_a_skipping_setup():
    bench = _Bench(available=False)
    with pytest.raises(NotImplementedError):
        bench.setup(1)
    bench.teardown(1)
    assert not bench.torn_down


def test_teardown_runs_after_a_finished_setup():
    bench = _Bench(available=True)
    bench.setup(1)
    bench.teardown(1)
    assert bench.torn_down
