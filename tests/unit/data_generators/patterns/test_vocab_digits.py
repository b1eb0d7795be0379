"""vocab.digits: the vectorised form gives the string the per-digit join gave (ids, phones and
IBANs of every typology depend on it byte for byte)."""

import numpy as np
import pytest

from banking.data_generators.patterns.vocab import digits, iban, iban_is_valid


@pytest.mark.parametrize("n", [0, 1, 4, 18, 24, 100])
def test_digits_match_the_per_digit_join_and_continue_the_stream(n):
    fast, slow = np.random.default_rng(n), np.random.default_rng(n)
    for _ in range(3):
        expected = "".join(str(d) for d in slow.integers(0, 10, size=n))
        assert digits(fast, n) == expected
    assert fast.integers(1 << 62) == slow.integers(1 << 62)


def test_ibans_stay_valid():
    rng = np.random.default_rng(1)
    assert all(iban_is_valid(iban(rng)[0]) for _ in range(200))
