"""The columnar write path of every format writes the same bytes as the record path."""

import numpy as np
import pytest

from banking.data_generators.core import (
    AccountGenerator,
    CommunicationGenerator,
    CompanyGenerator,
    PersonGenerator,
    TransactionGenerator,
)
from banking.dataset import FORMATS, DatasetWriter
from banking.dataset.schema import (
    file_name,
    iter_records_from_columns,
    records_from_columns,
)

GENERATORS = {
    "persons": PersonGenerator,
    "companies": CompanyGenerator,
    "accounts": AccountGenerator,
    "transactions": TransactionGenerator,
    "communications": CommunicationGenerator,
}


def _columns(entity: str) -> dict[str, np.ndarray]:
    columns = GENERATORS[entity](5).generate_columns(300)
    if "pattern_id" in columns:  # optional strings: some set, most None
        columns["pattern_id"][::7] = "PAT-0000000000000007"
    return columns


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entity", list(GENERATORS))
def test_columns_and_records_give_identical_files(tmp_path, fmt, entity):
    columns = _columns(entity)
    by_columns, by_records = tmp_path / "c", tmp_path / "r"
    writer = DatasetWriter(by_columns, fmt)
    writer.write_columns(entity, columns)
    writer.write_columns(entity, columns)  # appends
    writer.close()
    writer = DatasetWriter(by_records, fmt)
    records = records_from_columns(entity, columns)
    writer.write_records(entity, records)
    writer.write_records(entity, records)
    writer.close()
    name = file_name(entity, fmt)
    assert (by_columns / name).read_bytes() == (by_records / name).read_bytes()
    assert writer.counts[entity] == 600


def test_iter_records_is_lazy_and_matches_the_list():
    columns = _columns("transactions")
    records = iter_records_from_columns("transactions", columns)
    first = next(records)
    assert first == records_from_columns("transactions", columns)[0]
    assert isinstance(first["timestamp"], str) and first["pattern_id"] == "PAT-0000000000000007"
