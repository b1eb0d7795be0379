"""Small valid records of each entity (JSON-native, as ``model.model_dump(mode="json")`` gives
them), numbered so ids differ: for tests, examples and serialisation benchmarks that need an
event without generating a bank."""

from __future__ import annotations

from typing import Any


def person(n: int = 0) -> dict[str, Any]:
    return {
        "person_id": f"PER-{n:016X}",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1980-01-02",
        "nationality": "GB",
        "address": "1 Main St",
        "city": "London",
        "country": "GB",
        "email": "ada@example.com",
        "phone": "+44 20 0000 0000",
        "tax_id": "AB123456C",
        "is_pep": False,
        "is_sanctioned": False,
        "risk_score": 0.25,
    }


def account(n: int = 0, owner: int = 0) -> dict[str, Any]:
    return {
        "account_id": f"ACC-{n:016X}",
        "iban": "GB82WEST12345698765432",
        "owner_id": f"PER-{owner:016X}",
        "owner_type": "person",
        "account_type": "checking",
        "currency": "GBP",
        "opened_date": "2019-05-06",
        "balance": 1500.5,
        "bank_country": "GB",
    }


def transaction(n: int = 0, src: int = 0, dst: int = 1, amount: float = 99.5) -> dict[str, Any]:
    return {
        "txn_id": f"TXN-{n:016X}",
        "from_account": f"ACC-{src:016X}",
        "to_account": f"ACC-{dst:016X}",
        "amount": amount,
        "currency": "USD",
        "timestamp": "2024-06-01T12:34:56",
        "channel": "wire",
        "is_cross_border": False,
        "pattern_id": None,
    }


def company(n: int = 0) -> dict[str, Any]:
    return {
        "company_id": f"COM-{n:016X}",
        "name": "Acme Ltd",
        "registration_number": "12345678",
        "country": "GB",
        "industry": "retail",
        "incorporation_date": "2001-02-03",
        "address": "2 High St",
        "phone": "+44 20 1111 1111",
        "tax_id": "GB999999973",
        "is_shell": False,
        "is_sanctioned": False,
    }


def communication(n: int = 0) -> dict[str, Any]:
    return {
        "comm_id": f"MSG-{n:016X}",
        "from_person": "PER-0000000000000000",
        "to_person": "PER-0000000000000001",
        "channel": "email",
        "timestamp": "2024-03-04T05:06:07",
        "duration_seconds": 0,
        "pattern_id": None,
    }


def ownership_link(n: int = 0) -> dict[str, Any]:
    return {
        "link_id": f"OWN-{n:016X}",
        "owner_id": "PER-0000000000000000",
        "owner_type": "person",
        "company_id": "COM-0000000000000000",
        "pct": 40.0,
        "is_nominee": False,
        "pattern_id": None,
    }


BY_ENTITY = {
    "persons": person,
    "companies": company,
    "accounts": account,
    "transactions": transaction,
    "communications": communication,
    "ownership_links": ownership_link,
}
