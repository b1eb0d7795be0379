"""The five core/event generators: model batches, the columnar fast path, bounded streaming."""

from __future__ import annotations

from . import common, instructions


@common.data_or_reason
class Generate:
    """``XGenerator.generate_batch(n)`` (models) and ``generate_columns(n)`` (the columnar path).

    Persons and companies need nothing; accounts, transactions and communications draw over a
    fixed 2,000-customer bank (``setup_cache``). asv re-runs ``setup`` before every sample, so
    each sample draws the same values from a fresh generator.
    """

    params = (common.GENERATORS, (1_000, 10_000))
    param_names = ("generator", "entities")
    number = 1
    repeat = (1, 5, 2.0)
    warmup_time = 0.0

    def setup_cache(self) -> dict:
        return common.core_bank()

    def setup(self, bank: dict, kind: str, n: int) -> None:
        self.generator = common.make_generator(kind, bank)
        # Warm vocabularies and code paths so the first timed call is not an import.
        self.generator.generate_batch(10)

    def time_generate_batch(self, bank: object, kind: str, n: int) -> None:
        self.generator.generate_batch(n)

    def time_generate_columns(self, bank: object, kind: str, n: int) -> None:
        self.generator.generate_columns(n)

    def peakmem_generate_batch(self, bank: object, kind: str, n: int) -> None:
        self.generator.generate_batch(n)

    def track_entities_per_s(self, bank: object, kind: str, n: int) -> float:
        return common.rate(lambda: self.generator.generate_batch(n), n)

    track_entities_per_s.unit = "entities/s"

    def track_columnar_entities_per_s(self, bank: object, kind: str, n: int) -> float:
        return common.rate(lambda: self.generator.generate_columns(n), n)

    track_columnar_entities_per_s.unit = "entities/s"


@common.data_or_reason
class GenerateLarge:
    """100,000 entities: the scale the issue's throughput and memory targets are stated at.

    ``peakmem_iter_batches`` against ``peakmem_generate_batch`` shows streaming stays bounded.
    """

    params = (common.GENERATORS, (100_000,))
    param_names = ("generator", "entities")
    number = 1
    repeat = (1, 2, 4.0)
    rounds = 1
    warmup_time = 0.0
    timeout = 240

    setup_cache = Generate.setup_cache
    setup = Generate.setup

    def time_generate_batch(self, bank: object, kind: str, n: int) -> None:
        self.generator.generate_batch(n)

    def peakmem_generate_batch(self, bank: object, kind: str, n: int) -> None:
        self.generator.generate_batch(n)

    def peakmem_iter_batches(self, bank: object, kind: str, n: int) -> None:
        for _batch in self.generator.iter_batches(n, batch_size=5_000):
            pass


@common.data_or_reason
class GenerateAllocations:
    """Deterministic counters: tracemalloc peak of one ``generate_batch(n)`` from a fresh
    generator, and the size of the batch as JSON (both repeat exactly for the same code)."""

    params = (common.GENERATORS, (1_000, 10_000))
    param_names = ("generator", "entities")
    rounds = 1
    repeat = 1

    setup_cache = Generate.setup_cache

    def setup(self, bank: dict, kind: str, n: int) -> None:
        self.fresh = lambda: common.make_generator(kind, bank)
        self.fresh().generate_batch(10)

    def track_alloc_peak_bytes(self, bank: object, kind: str, n: int) -> int:
        generator = self.fresh()
        return common.alloc_peak(lambda: generator.generate_batch(n))

    track_alloc_peak_bytes.unit = "bytes"

    def track_json_bytes(self, bank: object, kind: str, n: int) -> int:
        return sum(len(m.model_dump_json()) for m in self.fresh().generate_batch(n))

    track_json_bytes.unit = "bytes"


@common.keep_history
class GenerateInstructions(instructions.Twin):
    """Instructions of ``Generate``'s timed calls under callgrind: the figure that decides."""

    target = Generate
    ops = ("generate_batch", "generate_columns")

    def setup_cache(self) -> dict | str:
        return self.measure()
