"""Vocabulary lookup tables: the concatenated pad tables hold exactly the formatted values."""

from banking.data_generators.vocabulary import Vocabulary


def test_pad_tables_are_zero_padded_values_in_order():
    v = Vocabulary()
    assert v.pad2 == [f"{i:02d}" for i in range(100)]
    assert v.pad3 == [f"{i:03d}" for i in range(1000)]
    assert v.pad4 == [f"{i:04d}" for i in range(10_000)]
