"""Core entity generators (persons, companies, accounts), plus the event generators re-exported
because the public API names this path for all five."""

from banking.data_generators.core.accounts import AccountGenerator
from banking.data_generators.core.companies import CompanyGenerator
from banking.data_generators.core.persons import PersonGenerator
from banking.data_generators.events import CommunicationGenerator, TransactionGenerator

__all__ = [
    "AccountGenerator",
    "CommunicationGenerator",
    "CompanyGenerator",
    "PersonGenerator",
    "TransactionGenerator",
]
