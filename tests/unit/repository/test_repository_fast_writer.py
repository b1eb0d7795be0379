from gremlin_python.process.traversal import Direction, Merge, T
from gremlin_python.statics import long
from gremlin_python.structure.io.graphbinaryV1 import GraphBinaryWriter
from hypothesis import given
from hypothesis import strategies as st

from banking_repository import upserts
from banking_repository.fast_writer import FastGraphBinaryWriter

scalars = (
    st.text()
    | st.booleans()
    | st.integers(min_value=-(2**31), max_value=2**31 - 1)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1).map(long)
    | st.floats(allow_nan=False)
    | st.none()
    | st.sampled_from([T.label, T.id, Direction.OUT, Direction.IN, Merge.out_v, Merge.in_v])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from([T.label]), inner, max_size=4)
    ),
    max_leaves=20,
)


def _write(writer, obj):
    buffer = bytearray()
    writer.to_dict(obj, buffer)
    return bytes(buffer)


def _stock(obj):
    return _write(GraphBinaryWriter(), obj)


@given(values)
def test_fast_writer_is_byte_identical_to_the_stock_writer(obj):
    writer = FastGraphBinaryWriter()
    assert _write(writer, obj) == _stock(obj)
    # Second use goes through the key and enum caches.
    assert _write(writer, obj) == _stock(obj)


def test_types_outside_the_fast_path_fall_back_to_the_stock_writer():
    obj = {"s": {1, 2}, "u": [{3}]}
    assert _write(FastGraphBinaryWriter(), obj) == _stock(obj)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_plain_ints_beyond_32_bits_travel_as_longs(value):
    # The stock writer fails on them; rows need not wrap epoch millis in long() any more.
    expected = _stock(long(value)) if not -(2**31) <= value < 2**31 else _stock(value)
    assert _write(FastGraphBinaryWriter(), value) == expected


row_values = st.none() | st.text(max_size=12) | st.integers(-(2**63), 2**63 - 1) | st.floats()
property_rows = st.dictionaries(st.sampled_from(["name", "amount", "ts", "note", "ü"]), row_values)


@given(st.lists(property_rows, max_size=6), st.booleans())
def test_upsert_rows_encode_as_their_items(props, edges):
    """The one-pass encoding of a row chunk equals the bytes of its items (the dict path,
    itself checked against the stock writer above, which fails on ints beyond 32 bits)."""
    if edges:
        rows = [
            {"edge_id": f"E{i}", "from_id": "ACC-1", "to_id": i, "to_label": "x", **p}
            for i, p in enumerate(props)
        ]
        batch = upserts.edge_rows("transfer", rows)
    else:
        batch = upserts.vertex_rows(
            "person", [{"entity_id": f"P{i}", **p} for i, p in enumerate(props)]
        )
    expected = _write(FastGraphBinaryWriter(), batch.items())
    writer = FastGraphBinaryWriter()
    assert _write(writer, batch) == expected
    assert _write(writer, batch) == expected
