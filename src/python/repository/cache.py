"""A small LRU map for repeated point reads; one per repository instance, cleared on writes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_MISSING = object()


class LRUCache:
    """Least-recently-used map with hit/miss counters; ``maxsize`` 0 disables it entirely."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 0:
            raise ValueError("cache size must be >= 0")
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[Hashable, Any] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.maxsize > 0

    def get(self, key: Hashable, default: Any = _MISSING) -> Any:
        """The cached value (marked most recent) or ``default``; counts a hit or a miss."""
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            self.misses += 1
            return default
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if not self.maxsize:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data
