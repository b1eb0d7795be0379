"""Small valid records of each entity (JSON-native, as ``model.model_dump(mode="json")`` gives
them), numbered so that ids differ: for tests that need an event or a record without
generating a bank. The field values live in samples.json (one template per entity); the
functions below fill in the numbered ids. Importable as ``samples`` (pytest's ``pythonpath``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_TEMPLATES: dict[str, dict[str, Any]] = json.loads(
    Path(__file__).with_name("samples.json").read_text()
)


def _id(prefix: str, n: int) -> str:
    return f"{prefix}-{n:016X}"


def _record(entity: str, **values: Any) -> dict[str, Any]:
    """A fresh copy of the entity's template (keys in its order) with ``values`` put in."""
    return {**_TEMPLATES[entity], **values}


def person(n: int = 0) -> dict[str, Any]:
    return _record("persons", person_id=_id("PER", n))


def company(n: int = 0) -> dict[str, Any]:
    return _record("companies", company_id=_id("COM", n))


def account(n: int = 0, owner: int = 0) -> dict[str, Any]:
    return _record("accounts", account_id=_id("ACC", n), owner_id=_id("PER", owner))


def transaction(n: int = 0, src: int = 0, dst: int = 1, amount: float = 99.5) -> dict[str, Any]:
    return _record(
        "transactions",
        txn_id=_id("TXN", n),
        from_account=_id("ACC", src),
        to_account=_id("ACC", dst),
        amount=amount,
    )


def communication(n: int = 0) -> dict[str, Any]:
    return _record("communications", comm_id=_id("MSG", n))


def ownership_link(n: int = 0) -> dict[str, Any]:
    return _record("ownership_links", link_id=_id("OWN", n))


BY_ENTITY = {
    "persons": person,
    "companies": company,
    "accounts": account,
    "transactions": transaction,
    "communications": communication,
    "ownership_links": ownership_link,
}
