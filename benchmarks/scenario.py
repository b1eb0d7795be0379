"""Whole-bank scenario: ``generate_bank(scale, seed, out_dir=..., fmt=...)`` written to disk."""

from __future__ import annotations

from pathlib import Path

from . import common, instructions

SCALES = (0.001, 0.01)  # about 500 / 5,000 accounts and 5,000 / 50,000 transactions
FORMATS = ("jsonl", "csv", "parquet")


@common.teardown_after_setup
class GenerateBank:
    """A consistent bank with every typology injected, streamed to a scratch directory."""

    params = (SCALES, FORMATS)
    param_names = ("scale", "format")
    number = 1
    repeat = (1, 3, 3.0)
    warmup_time = 0.0
    timeout = 300

    def setup(self, scale: float, fmt: str) -> None:
        self.generate_bank = common.need("banking.data_generators.orchestration", "generate_bank")
        if fmt == "parquet":
            common.need("pyarrow")
        self.tmp = common.scratch_dir("scenario")
        self.out = Path(self.tmp.name) / "bank"

    def teardown(self, scale: float, fmt: str) -> None:
        self.tmp.cleanup()

    def _write(self, scale: float, fmt: str):
        return self.generate_bank(scale, common.SEED, out_dir=self.out, fmt=fmt, overwrite=True)

    def time_generate_bank(self, scale: float, fmt: str) -> None:
        self._write(scale, fmt)

    def peakmem_generate_bank(self, scale: float, fmt: str) -> None:
        self._write(scale, fmt)

    def track_records_per_s(self, scale: float, fmt: str) -> float:
        summary = self._write(scale, fmt)
        return summary.total / summary.seconds

    track_records_per_s.unit = "records/s"

    def track_output_bytes(self, scale: float, fmt: str) -> int:
        """Bytes on disk: deterministic for a given seed, scale and format."""
        self._write(scale, fmt)
        return common.dir_bytes(self.out)

    track_output_bytes.unit = "bytes"
    track_output_bytes.rounds = 1


class GenerateBankInstructions(instructions.Twin):
    """Instructions of a whole bank at scale 0.001 in each format under callgrind (0.01 would
    take minutes per format under Valgrind; the smaller bank runs every code path)."""

    target = GenerateBank
    ops = ("generate_bank",)
    params = ((SCALES[0],), FORMATS)
    param_names = GenerateBank.param_names

    def setup_cache(self) -> dict | str:
        return self.measure()
