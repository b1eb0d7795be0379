"""Graph access layer (installed as ``banking_repository``): the bank on a Gremlin Server."""

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
