import numpy as np
import pytest

from banking.errors import UsageError
from banking.seeding import stream_rng


def test_same_seed_and_name_give_same_stream():
    a = stream_rng(42, "persons").integers(0, 2**62, size=8)
    b = stream_rng(42, "persons").integers(0, 2**62, size=8)
    np.testing.assert_array_equal(a, b)


def test_streams_are_independent_of_each_other():
    a = stream_rng(42, "persons").integers(0, 2**62, size=8)
    b = stream_rng(42, "accounts").integers(0, 2**62, size=8)
    c = stream_rng(43, "persons").integers(0, 2**62, size=8)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True, None])
def test_bad_seed_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        stream_rng(bad, "persons")
