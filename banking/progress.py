"""A dependency-free progress bar on stderr, shown only on a terminal.

Pipes, CI logs and ``--quiet`` get nothing, so captured output stays clean and deterministic.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
MIN_REDRAW_SECONDS = 0.1


class Progress:
    """Counts work done out of ``total``; draws ``label [=====     ] 42%`` when enabled."""

    def __init__(
        self,
        total: int = 0,
        label: str = "",
        *,
        stream: TextIO | None = None,
        quiet: bool = False,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = not quiet and bool(isatty and isatty())
        self.total = max(int(total), 0)
        self.label = label
        self.done = 0
        self._last_draw = 0.0

    def start(self, total: int, label: str | None = None) -> None:
        self.total = max(int(total), 0)
        self.done = 0
        if label is not None:
            self.label = label
        self._draw(force=True)

    def set_label(self, label: str) -> None:
        self.label = label
        self._draw(force=True)

    def update(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def close(self) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < MIN_REDRAW_SECONDS:
            return
        self._last_draw = now
        fraction = min(self.done / self.total, 1.0) if self.total else 0.0
        filled = int(fraction * BAR_WIDTH)
        bar = "=" * filled + " " * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label:<16.16} [{bar}] {fraction:4.0%} {self.done:>12,}")
        self.stream.flush()
