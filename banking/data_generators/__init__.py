"""Deterministic synthetic banking data: core entities, events, AML typologies, whole banks.

``REFERENCE_DATE`` is the default "today" for ages, opening dates and transaction windows. It is
a parameter everywhere and never ``date.today()``, so output does not depend on when it runs.
"""

from __future__ import annotations

from datetime import date

REFERENCE_DATE = date(2025, 1, 1)

__all__ = ["REFERENCE_DATE"]
