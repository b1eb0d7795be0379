"""Errors of the graph access layer, shaped for the CLI's one-line reporting."""

from banking.errors import BankingError, ServiceUnavailable


class GraphUnavailable(ServiceUnavailable):
    """Gremlin Server does not answer (down, unreachable, or timing out) after the retries."""


class GraphQueryError(BankingError):
    """The server answered with an error: a bad traversal or data it rejects (not retried)."""
