"""The presets' cheap column path: ASCII id columns, typology rows placed into batches, and
Parquet parts that dictionary-encode only repeating columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from banking.data_generators.orchestration import generate_bank
from banking.data_generators.orchestration.chunks import _AsciiInterleaver, chunk_records
from banking.data_generators.orchestration.presets import get_preset
from banking.dataset import DatasetReader
from banking.dataset.schema import columns_from_records
from banking.dataset.writers import ascii_column, dictionary_columns, str_objects

CASES = [
    np.array([b"TXN-0123456789ABCDEF", b"TXN-FEDCBA9876543210"], dtype="S20"),  # ids
    np.array([b"ach", b"reinvestment", b"", b"x"], dtype="S12"),  # padded codes
    np.array([b"cd", b"ab", b"ef"], dtype="S2")[::-1],  # not contiguous
    np.array([], dtype="S5"),
    np.array([b"", b""], dtype="S3"),
]


@pytest.mark.parametrize("values", CASES, ids=["ids", "padded", "strided", "empty", "blank"])
def test_ascii_columns_become_the_same_strings(values):
    expected = [v.decode("ascii") for v in values.tolist()]
    array = ascii_column(values, pa)
    array.validate(full=True)
    assert array.type == pa.string()
    assert array.to_pylist() == expected
    objects = str_objects(values)
    assert objects.dtype == object and objects.tolist() == expected


def test_chunk_transactions_hold_ascii_ids_unique_across_chunks():
    preset = get_preset("amlworld-hi-small", 0.12)  # two chunks
    ids = []
    for chunk in (0, 1):
        for entity, columns in chunk_records(7, chunk, preset):
            if entity == "transactions":
                assert columns["txn_id"].dtype.kind == "S"
                ids.extend(columns["txn_id"].tolist())
    assert len(ids) == len(set(ids)) > 590_000
    assert all(i.startswith(b"TXN-") and len(i) == 20 for i in ids[:1000])


def _payment(i: int, amount: float) -> dict:
    return {
        "txn_id": f"TXN-{i:016X}", "from_account": "ACC-0000000000000001",
        "to_account": "ACC-0000000000000002", "amount": amount, "currency": "USD",
        "timestamp": "2024-01-01T00:00:00", "channel": "ach", "is_cross_border": False,
        "pattern_id": None,
    }  # fmt: skip


def test_typology_rows_are_placed_without_reordering_the_batch():
    background = columns_from_records("transactions", [_payment(i, i) for i in range(1000)])
    background["txn_id"] = background["txn_id"].astype(bytes)
    extra = [_payment(i, -i) for i in range(1000, 1030)]
    mixer = _AsciiInterleaver(3, "transactions", extra, 1)
    mixed = mixer.mix("transactions", background, mixer.next_extra())
    assert mixed["txn_id"].dtype == background["txn_id"].dtype
    amount = mixed["amount"]
    assert amount.size == 1030
    assert amount[amount >= 0].tolist() == list(range(1000))  # background order kept
    assert sorted(-amount[amount < 0]) == list(range(1000, 1030))
    assert np.flatnonzero(amount < 0).max() > 500  # spread, not appended
    ids = mixed["txn_id"].tolist()
    assert len(set(ids)) == 1030 and all(len(i) == 20 for i in ids)


def test_parquet_parts_dictionary_encode_only_repeating_columns(tmp_path):
    out = tmp_path / "bank"
    generate_bank(0.01, 1, preset="amlworld-hi-small", out_dir=out, fmt="parquet", workers=1)
    (part, _rows), *_ = DatasetReader(out).parts("transactions")
    meta = pq.ParquetFile(part).metadata
    encodings = {
        meta.schema.column(i).name: meta.row_group(0).column(i).encodings
        for i in range(meta.num_columns)
    }
    repeating = set(dictionary_columns("transactions"))
    assert {"from_account", "channel", "currency"} <= repeating
    for name, used in encodings.items():
        if name == "is_cross_border":
            continue  # Parquet never dictionary-encodes booleans
        assert ("RLE_DICTIONARY" in used) == (name in repeating), name
