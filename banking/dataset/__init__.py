"""Dataset directories: ``manifest.json`` plus one file per entity (JSONL, CSV or Parquet).

``DatasetWriter`` appends batches in bounded memory; ``DatasetReader`` gives back the same
JSON-native records (or validated models) whatever the format. See ``reader`` for the contract.
"""

from banking.dataset.reader import DatasetReader
from banking.dataset.schema import ENTITIES, ENTITY_MODELS, FORMATS, MANIFEST, field_kinds
from banking.dataset.writers import DatasetWriter

__all__ = [
    "ENTITIES",
    "ENTITY_MODELS",
    "FORMATS",
    "MANIFEST",
    "DatasetReader",
    "DatasetWriter",
    "field_kinds",
]
