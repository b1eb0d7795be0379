"""asv benchmark suite of banking-graph-bench (one module per area; shared fixtures in common).

asv runs each benchmark in a process forked from a server that imported this package once
(``launch_method: forkserver`` in asv.conf.json), so the heavy imports happen here, once, not in
every one of the suite's few hundred benchmark processes. A module this commit lacks is simply
not preloaded; each benchmark's ``setup`` then reports it through ``common.need``.
"""

import contextlib
import importlib

_PRELOAD = (
    "numpy",
    "pydantic",
    "orjson",
    "banking.models",
    "banking.data_generators.core",
    "banking.data_generators.events",
    "banking.data_generators.patterns",
    "banking.data_generators.orchestration",
    "banking.dataset",
    "banking.streaming",
    "banking.streaming.consumer",
    "banking.graph",
    "banking_repository",
    "banking.cli",
)


def _preload() -> None:
    # Absent or broken at this commit: the benchmarks that need it say so in their setup.
    for name in _PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


_preload()
