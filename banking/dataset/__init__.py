"""Dataset directories: ``manifest.json`` plus one file per entity (JSONL, CSV or Parquet).

``DatasetWriter`` appends batches in bounded memory; ``DatasetReader`` gives back the same
JSON-native records (or validated models) whatever the format. See ``reader`` for the contract.

The names below are imported on first use (PEP 562): importing a light submodule such as
``banking.dataset.formats`` must not pull numpy, pydantic and orjson into ``banking --help``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from banking.dataset.formats import FORMATS
    from banking.dataset.reader import DatasetReader
    from banking.dataset.schema import ENTITIES, ENTITY_MODELS, MANIFEST, field_kinds
    from banking.dataset.writers import DatasetWriter

# Public name -> submodule that defines it.
_EXPORTS = {
    "ENTITIES": "schema",
    "ENTITY_MODELS": "schema",
    "FORMATS": "formats",
    "MANIFEST": "schema",
    "DatasetReader": "reader",
    "DatasetWriter": "writers",
    "field_kinds": "schema",
}

__all__ = [
    "ENTITIES",
    "ENTITY_MODELS",
    "FORMATS",
    "MANIFEST",
    "DatasetReader",
    "DatasetWriter",
    "field_kinds",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
