"""Business-hours-weighted timestamps inside a window that ends at the reference date."""

from __future__ import annotations

from datetime import date

import numpy as np

from banking.data_generators.base import to_day
from banking.errors import UsageError

# Relative activity per hour of day (local time): quiet nights, a 9-17 plateau, an evening tail.
HOUR_WEIGHTS = np.array(
    [0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 6.0, 7.0, 7.2,
     6.8, 7.0, 7.0, 6.6, 6.0, 5.0, 3.8, 3.0, 2.4, 1.8, 1.2, 0.7],
    dtype=np.float64,
)  # fmt: skip
# Monday .. Sunday.
WEEKDAY_WEIGHTS = np.array([1.0, 1.0, 1.0, 1.0, 1.05, 0.55, 0.35])


def check_window(window_days: int) -> int:
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise UsageError(f"window_days must be a positive integer, got {window_days!r}")
    return window_days


class TimestampSampler:
    """Draws datetime64[s] in ``[reference_date - window_days, reference_date)``."""

    def __init__(self, reference_date: date, window_days: int) -> None:
        self.window_days = check_window(window_days)
        self.start = to_day(reference_date) - np.timedelta64(self.window_days, "D")
        days = self.start + np.arange(self.window_days).astype("timedelta64[D]")
        # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 for Monday.
        weekday = (days.astype(np.int64) + 3) % 7
        day_weights = WEEKDAY_WEIGHTS[weekday]
        self._day_cdf = np.cumsum(day_weights / day_weights.sum())
        self._hour_cdf = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        day = np.minimum(
            np.searchsorted(self._day_cdf, rng.random(n), side="right"), self.window_days - 1
        )
        hour = np.minimum(np.searchsorted(self._hour_cdf, rng.random(n), side="right"), 23)
        second = rng.integers(0, 3600, n)
        offset = day.astype(np.int64) * 86_400 + hour.astype(np.int64) * 3600 + second
        return self.start.astype("datetime64[s]") + offset.astype("timedelta64[s]")
