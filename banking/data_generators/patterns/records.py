"""The edges a typology creates (transactions, communications, ownership links), built by
``banking.fast_models.FastModel.build``: a check derived from each model's own declarations
decides whether validation would accept the values unchanged, and the model is then built
without pydantic's generic machinery; anything else is validated, so an invalid value (an id of
a ``PatternContext`` without its prefix, duplicate account ids) raises ``ValidationError``.

Full validation cost 2-3.3 us per transaction, the largest single cost of the transfer-only
typologies, for values the typology built itself and that always pass.
``tests/unit/test_fast_models.py`` pins both sides. Persons, companies, accounts and patterns
are validated: their validation (1.7-2 us) is no dearer than a check would be.

Each function takes every field as a keyword argument (no defaults).
"""

from __future__ import annotations

from collections.abc import Callable

from banking.fast_models import FastModel
from banking.models import Communication, OwnershipLink, Transaction

transaction: Callable[..., Transaction] = FastModel(Transaction).build
communication: Callable[..., Communication] = FastModel(Communication).build
link: Callable[..., OwnershipLink] = FastModel(OwnershipLink).build
