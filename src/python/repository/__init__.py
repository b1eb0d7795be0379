"""Graph access layer: the bank on a Gremlin Server.

Lives in src/python/repository and is installed as ``banking_repository`` (setup.py). Of the
``banking`` package it uses only ``banking.entities`` (labels, id prefixes, timestamps) and
``banking.errors``, so the loader and the stream sink build on it, never the reverse
(tests/unit/test_import_graph.py).
"""

from banking_repository.errors import GraphQueryError, GraphUnavailable
from banking_repository.graph_repository import DEFAULT_GREMLIN_URL, GraphRepository
from banking_repository.queries import BeneficialOwner, Cycle, OwnershipChain, StructuringCase

__all__ = [
    "DEFAULT_GREMLIN_URL",
    "BeneficialOwner",
    "Cycle",
    "GraphQueryError",
    "GraphRepository",
    "GraphUnavailable",
    "OwnershipChain",
    "StructuringCase",
]
