"""IBAN-shaped account numbers with valid ISO 13616 mod-97 check digits, built vectorised.

Countries outside the IBAN scheme (US, CA, ...) get an IBAN-shaped number in the GB layout so
every account has one format; the check digits are valid for all of them.
"""

from __future__ import annotations

import numpy as np

# BBAN layout per country: "A" = upper-case letter, "9" = digit (lengths as in ISO 13616).
BBAN_LAYOUT = {
    "GB": "AAAA" + "9" * 14,
    "DE": "9" * 18,
    "FR": "9" * 23,
    "NL": "AAAA" + "9" * 10,
    "CH": "9" * 17,
    "ES": "9" * 20,
    "IT": "A" + "9" * 22,
    "AE": "9" * 19,
    "CY": "9" * 24,
}
DEFAULT_LAYOUT = "AAAA" + "9" * 14


# 10 ** e % 97 for e in 0..95; 10 ** 96 % 97 == 1 (Fermat: 97 is prime), so the table repeats.
_POW10_MOD97 = np.array([pow(10, e, 97) for e in range(96)], dtype=np.int64)


def check_digits(country: str, bban: np.ndarray) -> np.ndarray:
    """ISO 13616 check digits for ``bban`` (an ``(n, L)`` uint8 array of ASCII codes).

    The check is ``98 - N % 97`` where N is the number written by the BBAN, the country and
    ``00``, each digit as itself and each letter as two digits (A = 10 ... Z = 35). Rather than
    folding that number into a remainder character by character (``r = (r * 10 + d) % 97``,
    ``* 100`` for a letter), each character's value is weighted by ``10 ** k % 97``, ``k`` the
    number of decimal digits after it, and the weighted values summed: the same remainder
    (exact integer arithmetic mod 97), with a few array operations instead of several per
    character.
    """
    n = bban.shape[0]
    tail = np.frombuffer((country + "00").encode("ascii"), dtype=np.uint8)
    chars = np.concatenate([bban, np.broadcast_to(tail, (n, tail.size))], axis=1)
    is_digit = chars < 58
    if n and (is_digit == is_digit[0]).all():
        # Each column all digits or all letters (a country's layout): one weight per column,
        # and the digit/letter offsets (48/55) folded into one constant. The weighted sum of
        # the codes is below 255 * 96 * width, so int32 holds it (a quarter of int64's memory).
        column_is_digit = is_digit[0]
        width = np.where(column_is_digit, 1, 2)  # decimal digits each character writes
        after = np.cumsum(width[::-1])[::-1] - width  # digits written after each character
        weights = _POW10_MOD97[after % 96]
        offset = int(np.where(column_is_digit, 48, 55) @ weights)
        kind = np.int32 if chars.shape[1] < 80_000 else np.int64
        sums = chars.astype(kind) @ weights.astype(kind)
        remainder = (sums.astype(np.int64) - offset) % 97
    else:
        values = chars.astype(np.int64) - np.where(is_digit, 48, 55)
        width = np.where(is_digit, 1, 2)
        after = np.cumsum(width[:, ::-1], axis=1)[:, ::-1] - width
        remainder = (values * _POW10_MOD97[after % 96]).sum(axis=1) % 97
    return 98 - remainder


def random_ibans(rng: np.random.Generator, country: str, n: int) -> np.ndarray:
    """``n`` random IBANs of ``country`` as an object array of ``str``."""
    layout = np.frombuffer(BBAN_LAYOUT.get(country, DEFAULT_LAYOUT).encode("ascii"), np.uint8)
    is_letter = layout == ord("A")
    letters = rng.integers(ord("A"), ord("Z") + 1, (n, layout.size), dtype=np.uint8)
    numbers = rng.integers(ord("0"), ord("9") + 1, (n, layout.size), dtype=np.uint8)
    bban = np.where(is_letter, letters, numbers).astype(np.uint8)
    check = check_digits(country, bban)
    head = np.empty((n, 4), dtype=np.uint8)
    head[:, 0], head[:, 1] = ord(country[0]), ord(country[1])
    head[:, 2] = ord("0") + check // 10
    head[:, 3] = ord("0") + check % 10
    raw = np.ascontiguousarray(np.concatenate([head, bban], axis=1))
    return raw.view(f"S{raw.shape[1]}").ravel().astype(str).astype(object)


def is_valid_iban(iban: str) -> bool:
    """The textbook ISO 13616 check (move 4 chars to the end, letters to numbers, mod 97 == 1)."""
    text = iban.replace(" ", "").upper()
    if len(text) < 15 or not text.isalnum():
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
