"""``banking --help`` stays light: building the parser imports none of the heavy libraries."""

import subprocess
import sys

import pytest

HEAVY = ("numpy", "pydantic", "orjson", "pyarrow", "faker")

PROBE = f"""
import sys
from banking.cli import build_parser
build_parser()
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def test_building_the_parser_imports_no_heavy_library():
    # A fresh interpreter: this test process has imported everything already.
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_dataset_package_exports_resolve_lazily():
    import banking.dataset as dataset
    from banking.dataset.formats import FORMATS
    from banking.dataset.schema import ENTITIES

    assert dataset.FORMATS == FORMATS == ("jsonl", "csv", "parquet")
    assert dataset.ENTITIES is ENTITIES
    assert dataset.DatasetReader.__name__ == "DatasetReader"
    assert set(dataset.__all__) <= set(dir(dataset))
    with pytest.raises(AttributeError, match="NotAName"):
        dataset.NotAName  # noqa: B018
