import sys
from datetime import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.dataset import ENTITIES, FORMATS, DatasetReader, DatasetWriter
from banking.dataset.writers import check_format
from banking.errors import UsageError
from banking.models import OwnershipLink, Pattern, Transaction, Typology

PATTERN = Pattern(
    pattern_id="PAT-0000000000000001",
    typology=Typology.CYCLE,
    account_ids=("ACC-1", "ACC-2"),
    transaction_ids=("TXN-9",),
    parameters={"length": 2, "amount": 9_500.5, "nested": {"a": [1, 2]}},
    expected={"cycle": ["ACC-1", "ACC-2", "ACC-1"]},
)
LABELLED = Transaction(
    txn_id="TXN-9",
    from_account="ACC-1",
    to_account="ACC-2",
    amount=9_500.5,
    currency="EUR",
    timestamp=datetime(2024, 2, 29, 23, 59, 59),
    channel="wire",
    is_cross_border=True,
    pattern_id=PATTERN.pattern_id,
)
LINK = OwnershipLink(
    link_id="OWN-1", owner_id="PER-1", owner_type="person", company_id="COM-1", pct=24.9
)


def _write(path, fmt):
    """A small dataset from every generator plus hand-made labelled records."""
    expected = {e: [] for e in ENTITIES}
    writer = DatasetWriter(path, fmt)
    gens = {
        "persons": PersonGenerator(1),
        "companies": CompanyGenerator(1),
        "accounts": AccountGenerator(1),
        "transactions": TransactionGenerator(1),
        "communications": CommunicationGenerator(1),
    }
    for entity, gen in gens.items():
        for _ in range(2):  # two appended batches
            cols = gen.generate_columns(40)
            writer.write_columns(entity, cols)
            expected[entity] += [m.model_dump(mode="json") for m in gen.models_from_columns(cols)]
    for entity, model in (
        ("transactions", LABELLED),
        ("ownership_links", LINK),
        ("patterns", PATTERN),
    ):
        writer.write_models(entity, [model])
        expected[entity].append(model.model_dump(mode="json"))
    manifest = writer.close({"seed": 1})
    return expected, manifest


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_gives_model_dump_records(tmp_path, fmt):
    expected, manifest = _write(tmp_path, fmt)
    reader = DatasetReader(tmp_path)
    assert reader.manifest == manifest and reader.format == fmt
    assert manifest["counts"]["transactions"] == 81 and manifest["seed"] == 1
    for entity in ENTITIES:
        got = [r for batch in reader.iter_batches(entity, batch_size=7) for r in batch]
        assert got == expected[entity], entity
        assert reader.count(entity) == len(expected[entity])
    assert reader.patterns() == [PATTERN]
    models = [m for batch in reader.iter_models("transactions", 50) for m in batch]
    assert models[-1] == LABELLED and len(models) == 81


def test_formats_agree_and_batches_are_bounded(tmp_path):
    for fmt in FORMATS:
        _write(tmp_path / fmt, fmt)
    readers = [DatasetReader(tmp_path / fmt) for fmt in FORMATS]
    for entity in ENTITIES:
        contents = [list(r.iter_records(entity, 13)) for r in readers]
        assert contents[0] == contents[1] == contents[2]
    sizes = [len(b) for b in readers[2].iter_batches("persons", batch_size=30)]
    assert max(sizes) <= 30 and sum(sizes) == 80


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=30))
@example(' a\r\nb, "c" ')
@example("null")
def test_awkward_strings_survive_every_format(tmp_path_factory, name):
    person = (
        PersonGenerator(2)
        .generate()
        .model_copy(update={"first_name": name, "address": f'"{name}",\n'})
    )
    for fmt in FORMATS:
        path = tmp_path_factory.mktemp(fmt)
        writer = DatasetWriter(path, fmt)
        writer.write_models("persons", [person])
        writer.close()
        assert DatasetReader(path).patterns() == []
        assert next(DatasetReader(path).iter_models("persons"))[0] == person


def test_reader_errors(tmp_path):
    with pytest.raises(UsageError):
        DatasetReader(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(UsageError):
        DatasetReader(tmp_path)
    _write(tmp_path / "ok", "jsonl")
    reader = DatasetReader(tmp_path / "ok")
    with pytest.raises(UsageError):
        list(reader.iter_batches("people"))
    with pytest.raises(UsageError):
        list(reader.iter_batches("persons", batch_size=0))


def test_unknown_format_and_missing_pyarrow(monkeypatch, tmp_path):
    with pytest.raises(UsageError):
        DatasetWriter(tmp_path, "xml")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(UsageError, match="pyarrow"):
        check_format("parquet")


def test_every_entity_file_exists_even_when_empty(tmp_path):
    writer = DatasetWriter(tmp_path, "csv")
    manifest = writer.close()
    for entity in ENTITIES:
        assert (tmp_path / manifest["files"][entity]).is_file()
        assert list(DatasetReader(tmp_path).iter_batches(entity)) == []
