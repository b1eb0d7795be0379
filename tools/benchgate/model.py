"""Plain records shared by the gate and the culprit finder (no asv imports here)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What a benchmark measures, which decides how it is compared."""

    TIME = "time"
    MEMORY = "memory"
    COUNTER = "counter"
    THROUGHPUT = "throughput"
    INSTRUCTIONS = "instructions"
    SERVER_CPU = "server cpu"  # a server's CPU time over an operation: noisy, never a verdict


@dataclass(frozen=True)
class Measurement:
    """One benchmark entry (one parameter combination) at one commit.

    ``value`` is None when the benchmark failed and NaN when it was skipped, as in asv.
    """

    name: str
    key: str
    params: tuple[str, ...]
    kind: Kind
    unit: str
    value: float | None
    samples: tuple[float, ...] | None = None
    ci: tuple[float, float] | None = None
    version: str | None = None

    @property
    def failed(self) -> bool:
        return self.value is None

    @property
    def skipped(self) -> bool:
        return self.value is not None and math.isnan(self.value)

    @property
    def ok(self) -> bool:
        return self.value is not None and not math.isnan(self.value)

    @property
    def label(self) -> str:
        """The parameter combination as asv shows it (``'persons', 1000``); "" for none."""
        return param_label(self.params)

    @property
    def group(self) -> str:
        """``module.Class`` part of the key (empty for module-level benchmarks)."""
        return self.key.rpartition(".")[0]


def param_label(params: tuple[str, ...]) -> str:
    """The tools' one parameter label, asv's: the values as asv stores them (their reprs,
    ``'persons', 1000``), comma-separated; "" for an unparameterised benchmark."""
    return ", ".join(params)


def entry_name(key: str, params: tuple[str, ...]) -> str:
    """asv's display name: ``key(p1, p2)`` or just ``key``."""
    return f"{key}({param_label(params)})" if params else key


INSTRUCTIONS_PREFIX = "track_instructions_"


def is_instructions(key: str) -> bool:
    """An instruction count under callgrind (benchmarks/instructions.py): deterministic."""
    return key.rpartition(".")[2].startswith(INSTRUCTIONS_PREFIX)


def instructions_twin(key: str) -> str | None:
    """The instruction-count twin of a ``time_`` benchmark: ``mod.Class.time_op`` ->
    ``mod.ClassInstructions.track_instructions_op`` (same params); None for other kinds."""
    cls_path, _, method = key.rpartition(".")
    if not method.startswith("time_"):
        return None
    return f"{cls_path}Instructions.{INSTRUCTIONS_PREFIX}{method.removeprefix('time_')}"
