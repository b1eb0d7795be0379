"""A damaged dataset is one UsageError line naming the file and line, raised before the bad
batch is handed out (so a loader writes nothing and a producer sends nothing of it)."""

from __future__ import annotations

import orjson
import pytest
import samples

from banking.dataset import FORMATS, DatasetReader, DatasetWriter
from banking.dataset.reader import DatasetError
from banking.errors import UsageError
from banking.models import Account, Person, Transaction
from banking.validation import validate_records

N_TXN = 25


def _bank(path, fmt="jsonl", address="1 Main St"):
    """3 persons, 2 accounts, 25 transactions (every other entity empty)."""
    writer = DatasetWriter(path, fmt)
    persons = [dict(samples.person(i), address=address) for i in range(3)]
    writer.write_models("persons", [Person.model_validate(p) for p in persons])
    writer.write_models("accounts", [Account.model_validate(samples.account(i)) for i in (0, 1)])
    txns = [samples.transaction(i) for i in range(N_TXN)]
    writer.write_models("transactions", [Transaction.model_validate(t) for t in txns])
    writer.close()
    return path


def _lines(path, name):
    return (path / name).read_bytes().splitlines(keepends=True)


def _all(reader, entity, batch_size=10):
    return [r for batch in reader.iter_batches(entity, batch_size) for r in batch]


def test_a_damaged_line_names_file_and_line_and_its_batch_is_never_handed_out(tmp_path):
    data = _bank(tmp_path)
    lines = _lines(data, "transactions.jsonl")
    lines[13] = lines[13][:40] + b"\n"  # line 14, in the second batch of 10
    (data / "transactions.jsonl").write_bytes(b"".join(lines))
    reader = DatasetReader(data)
    handed: list[int] = []
    with pytest.raises(DatasetError, match=r"transactions\.jsonl:14: not a JSON record") as exc:
        for batch in reader.iter_batches("transactions", 10):
            handed.append(len(batch))
    assert handed == [10]  # the first batch only: none of the one holding line 14
    assert "handed on" in str(exc.value) and "transactions 10" in str(exc.value)
    assert "\n" not in str(exc.value)
    with pytest.raises(DatasetError, match=r"transactions\.jsonl:14:") as exc:
        DatasetReader(data).verify()
    assert "handed on" not in str(exc.value)  # verify hands nothing out


def test_binary_garbage_and_a_non_record_line(tmp_path):
    data = _bank(tmp_path)
    lines = _lines(data, "persons.jsonl")
    lines[1] = bytes(range(256)).replace(b"\n", b"") + b"\n"
    (data / "persons.jsonl").write_bytes(b"".join(lines))
    with pytest.raises(DatasetError, match=r"persons\.jsonl:2: not a JSON record"):
        _all(DatasetReader(data), "persons")
    lines[1] = b"[1, 2]\n"
    (data / "persons.jsonl").write_bytes(b"".join(lines))
    with pytest.raises(DatasetError, match=r"persons\.jsonl:2: a JSON list, not a record"):
        _all(DatasetReader(data), "persons")


@pytest.mark.parametrize("keep", [20, 10])  # mid-batch, and exactly at a batch boundary
def test_missing_lines_fail_before_the_last_batch(tmp_path, keep):
    data = _bank(tmp_path)
    (data / "transactions.jsonl").write_bytes(b"".join(_lines(data, "transactions.jsonl")[:keep]))
    handed = []
    with pytest.raises(DatasetError, match=f"{keep} records, but manifest.json says {N_TXN}"):
        for batch in DatasetReader(data).iter_batches("transactions", 10):
            handed.append(len(batch))
    assert sum(handed) < keep


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_file_is_found_when_the_dataset_is_opened(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    data = _bank(tmp_path, fmt)
    (data / f"transactions.{fmt}").unlink()
    with pytest.raises(DatasetError, match=r"transactions\.\w+: missing .*incomplete"):
        DatasetReader(data)


def test_an_unreadable_parquet_file_is_found_when_the_dataset_is_opened(tmp_path):
    pytest.importorskip("pyarrow")
    data = _bank(tmp_path, "parquet")
    blob = (data / "transactions.parquet").read_bytes()
    (data / "transactions.parquet").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DatasetError, match=r"transactions\.parquet: unreadable Parquet file"):
        DatasetReader(data)


def test_csv_damage_is_named_by_line_and_bad_cells_reach_the_record_check(tmp_path):
    # Addresses span two lines, so CSV lines and record numbers differ.
    data = _bank(tmp_path, "csv", address="1 Main St\nLondon")
    lines = _lines(data, "transactions.csv")
    cells = lines[5].split(b",")  # record 5 (line 6: persons are in another file)
    cells[3] = b"lots"
    lines[5] = b",".join(cells)
    (data / "transactions.csv").write_bytes(b"".join(lines))
    reader = DatasetReader(data)

    def check(entity, records):
        validate_records(entity, records)

    with pytest.raises(DatasetError, match=r"transactions\.csv:6: amount: Input should be a valid"):
        reader.verify(check)
    plines = _lines(data, "persons.csv")
    assert len(plines) == 1 + 3 * 2
    plines[3] = b"\xff\xfe" + plines[3]  # record 2 starts on line 4
    (data / "persons.csv").write_bytes(b"".join(plines))
    with pytest.raises(DatasetError, match=r"persons\.csv:4: not UTF-8 text"):
        DatasetReader(data).verify()
    lines[5] = b"TXN-1,ACC-1\n"
    (data / "transactions.csv").write_bytes(b"".join(lines))
    with pytest.raises(DatasetError, match=r"transactions\.csv:6: 2 fields, expected 9"):
        _all(DatasetReader(data), "transactions")


def test_record_locations_follow_multi_line_csv_cells(tmp_path):
    data = _bank(tmp_path, "csv", address="a\nb\nc")
    reader = DatasetReader(data)
    _all(reader, "persons")
    assert [reader.location("persons", i).rsplit(":", 1)[1] for i in range(3)] == ["2", "5", "8"]


def test_a_bad_record_found_by_verify_is_named_by_file_line_field(tmp_path):
    data = _bank(tmp_path)
    lines = _lines(data, "transactions.jsonl")
    record = orjson.loads(lines[20])
    record["to_account"] = "XYZ-1"
    lines[20] = orjson.dumps(record) + b"\n"
    (data / "transactions.jsonl").write_bytes(b"".join(lines))
    with pytest.raises(UsageError) as exc:
        DatasetReader(data).verify(lambda entity, records: validate_records(entity, records))
    assert str(exc.value).startswith(f"{data / 'transactions.jsonl'}:21: to_account: ")
    assert "must start with 'ACC-'" in str(exc.value)


def test_manifests_that_do_not_describe_a_dataset(tmp_path):
    data = _bank(tmp_path)
    manifest = orjson.loads((data / "manifest.json").read_bytes())
    del manifest["files"]["accounts"]
    (data / "manifest.json").write_bytes(orjson.dumps(manifest))
    with pytest.raises(DatasetError, match="lists no file or count for accounts"):
        DatasetReader(data)
    (data / "manifest.json").write_bytes(b"[]")
    with pytest.raises(DatasetError, match="not a JSON object"):
        DatasetReader(data)
    with pytest.raises(DatasetError, match="does not exist"):
        DatasetReader(tmp_path / "nope")
