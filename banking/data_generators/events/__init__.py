"""Event generators: transactions and communications between existing entities."""

from banking.data_generators.events.communications import CommunicationGenerator
from banking.data_generators.events.transactions import TransactionGenerator

__all__ = ["CommunicationGenerator", "TransactionGenerator"]
