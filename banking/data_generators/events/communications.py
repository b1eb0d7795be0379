"""CommunicationGenerator: calls, emails, texts and chats between existing persons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from banking.data_generators import REFERENCE_DATE
from banking.data_generators.base import ColumnGenerator, check_count, object_array
from banking.data_generators.events.timestamps import TimestampSampler
from banking.errors import UsageError
from banking.ids import IdSequence
from banking.models import ID_PREFIX, Communication
from banking.seeding import stream_rng

# Persons assumed when none are given: the first ids PersonGenerator(seed) produces.
DEFAULT_PERSONS = 10_000
CHANNELS = (("phone", 0.3), ("email", 0.3), ("sms", 0.25), ("chat", 0.15))


class CommunicationGenerator(ColumnGenerator[Communication]):
    """Communications in the ``window_days`` before ``reference_date`` between ``person_ids``.

    Phone calls have a lognormal duration (median about two minutes); other channels have
    duration 0. Nobody communicates with themselves.
    """

    model = Communication

    def __init__(
        self,
        seed: int = 42,
        person_ids: Sequence[str] | np.ndarray | None = None,
        *,
        reference_date: date = REFERENCE_DATE,
        window_days: int = 365,
    ) -> None:
        super().__init__(seed, reference_date=reference_date)
        if person_ids is None:
            person_ids = IdSequence(self.seed, "person", "core").take(DEFAULT_PERSONS)
        ids = np.asarray(person_ids, dtype=object)
        if ids.ndim != 1 or ids.size < 2:
            raise UsageError("communications need at least two persons")
        if not np.all(np.char.startswith(ids.astype(str), ID_PREFIX["person"] + "-")):
            raise UsageError("person_ids must all be person ids (PER-...)")
        self.person_ids = ids
        self.times = TimestampSampler(reference_date, window_days)
        self.window_days = self.times.window_days
        self._rng = stream_rng(self.seed, "communications")
        self._ids = IdSequence(self.seed, "communication", "core")
        self._channels = object_array([name for name, _ in CHANNELS])
        cdf = np.cumsum([w for _, w in CHANNELS])
        self._channel_cdf = cdf / cdf[-1]

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:
        n = check_count(n)
        rng = self._rng
        m = self.person_ids.size
        sender = rng.integers(0, m, n)
        receiver = (sender + rng.integers(1, m, n)) % m  # any other person
        pick = np.searchsorted(self._channel_cdf, rng.random(n), side="right")
        channel = self._channels[np.minimum(pick, len(self._channels) - 1)]
        duration = np.where(
            channel == "phone", np.ceil(rng.lognormal(np.log(120.0), 1.0, n)), 0
        ).astype(np.int64)
        return {
            "comm_id": self._ids.take_objects(n),
            "from_person": self.person_ids[sender],
            "to_person": self.person_ids[receiver],
            "channel": channel,
            "timestamp": self.times.sample(rng, n),
            "duration_seconds": duration,
            "pattern_id": np.empty(n, dtype=object),
        }


__all__ = ["CommunicationGenerator"]
