"""The default bank is the input of every benchmark in the history: its bytes must never drift.

The digests in ``default_bank_digests.json`` were taken at ae8b76c (before the AMLworld presets
and the chunked writer) from ``generate_bank(0.001, 42)``. JSONL and CSV files are compared byte
for byte; Parquet files by their decoded rows, so a pyarrow upgrade that only rewrites the
file's ``created_by`` metadata is not mistaken for drifted data. A change that must alter the
default bank on purpose regenerates the file and says so in its commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from banking.data_generators.orchestration import generate_bank

DIGESTS = json.loads((Path(__file__).with_name("default_bank_digests.json")).read_text())


def _digest(path: Path) -> str:
    if path.suffix != ".parquet":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    import pyarrow.parquet as pq

    digest = hashlib.sha256()
    for row in pq.read_table(path).to_pylist():
        digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("fmt", sorted(DIGESTS))
def test_default_bank_bytes_unchanged(fmt, tmp_path):
    out = tmp_path / fmt
    generate_bank(0.001, 42, out_dir=out, fmt=fmt)
    files = {p.name: _digest(p) for p in sorted(out.iterdir()) if p.name != "manifest.json"}
    assert files == DIGESTS[fmt]
