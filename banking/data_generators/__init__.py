"""Deterministic generators of banking entities, events, AML typologies and whole banks.

``REFERENCE_DATE`` is the fixed "today" of generated data (ages, opening dates, the transaction
window): a parameter everywhere, never ``date.today()``, so output does not depend on the clock.
"""

from datetime import date

REFERENCE_DATE = date(2025, 1, 1)
