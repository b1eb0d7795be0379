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


def _mod97_step(remainder: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Fold one column of ASCII codes (digits or upper-case letters) into the remainder."""
    is_digit = chars < 58
    value = np.where(is_digit, chars.astype(np.int64) - 48, chars.astype(np.int64) - 55)
    return np.where(is_digit, remainder * 10 + value, remainder * 100 + value) % 97


def check_digits(country: str, bban: np.ndarray) -> np.ndarray:
    """ISO 13616 check digits for ``bban`` (an ``(n, L)`` uint8 array of ASCII codes)."""
    remainder = np.zeros(bban.shape[0], dtype=np.int64)
    for column in range(bban.shape[1]):
        remainder = _mod97_step(remainder, bban[:, column])
    for ch in country.encode("ascii") + b"00":
        remainder = _mod97_step(remainder, np.full(bban.shape[0], ch, dtype=np.uint8))
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
