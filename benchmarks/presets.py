"""AMLworld presets (issue 18): one preset at reduced size, and --workers 2 against 1.

Commits before the presets skip (``generate_bank`` has no ``preset`` argument there).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from . import common, instructions

PRESET = "amlworld-hi-small"
REDUCED = 0.01  # 5,150 accounts, 50,000 transactions: one chunk
TWO_CHUNKS = 0.12  # 600,000 transactions: two chunks, one per worker


def _generate_bank():
    generate_bank = common.need("banking.data_generators.orchestration", "generate_bank")
    if "preset" not in inspect.signature(generate_bank).parameters:
        raise common.Skip("generate_bank has no presets at this commit")
    return generate_bank


@common.teardown_after_setup
class GeneratePreset:
    """``generate_bank(0.01, preset=amlworld-hi-small)`` to Parquet, one worker."""

    params = ((PRESET,), ("parquet",))
    param_names = ("preset", "format")
    number = 1
    repeat = (1, 3, 3.0)
    warmup_time = 0.0
    timeout = 300

    def setup(self, preset: str, fmt: str) -> None:
        self.generate_bank = _generate_bank()
        common.need("pyarrow")
        self.tmp = common.scratch_dir("preset")
        self.out = Path(self.tmp.name) / "bank"

    def teardown(self, preset: str, fmt: str) -> None:
        self.tmp.cleanup()

    def _write(self, preset: str, fmt: str):
        return self.generate_bank(
            REDUCED, common.SEED, preset=preset, out_dir=self.out, fmt=fmt, workers=1,
            overwrite=True,
        )  # fmt: skip

    def time_generate_preset(self, preset: str, fmt: str) -> None:
        self._write(preset, fmt)

    def peakmem_generate_preset(self, preset: str, fmt: str) -> None:
        self._write(preset, fmt)

    def track_rows_per_s(self, preset: str, fmt: str) -> float:
        summary = self._write(preset, fmt)
        return summary.total / summary.seconds

    track_rows_per_s.unit = "rows/s"


class GeneratePresetInstructions(instructions.Twin):
    """Instructions of the reduced preset under callgrind (deterministic, unlike its time)."""

    target = GeneratePreset
    ops = ("generate_preset",)

    def setup_cache(self) -> dict | str:
        return self.measure()


@common.teardown_after_setup
class GeneratePresetWorkers:
    """Two chunks of HI-Small to Parquet on 1 and on 2 worker processes (same bytes); the
    ratio of the two times is the parallel speed-up (noisy on a shared machine)."""

    params = ((1, 2),)
    param_names = ("workers",)
    number = 1
    repeat = (1, 3, 3.0)
    warmup_time = 0.0
    timeout = 600

    def setup(self, workers: int) -> None:
        self.generate_bank = _generate_bank()
        common.need("pyarrow")
        self.tmp = common.scratch_dir("preset-workers")
        self.out = Path(self.tmp.name) / "bank"

    def teardown(self, workers: int) -> None:
        self.tmp.cleanup()

    def time_generate_preset(self, workers: int) -> None:
        self.generate_bank(
            TWO_CHUNKS, common.SEED, preset=PRESET, out_dir=self.out, fmt="parquet",
            workers=workers, overwrite=True,
        )  # fmt: skip
