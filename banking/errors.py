"""Error types whose message is meant for a user: the CLI prints them as one line, no traceback."""


class BankingError(Exception):
    """An error the CLI reports as a single line; ``exit_code`` is the process status."""

    exit_code = 1


class UsageError(BankingError, ValueError):
    """Bad input from the user: a negative count, an unknown option, an existing output folder."""

    exit_code = 2


class MappingError(UsageError):
    """A dataset record that cannot become a graph element (missing id, unknown entity)."""


class ServiceUnavailable(BankingError, ConnectionError):
    """A server this command needs (Gremlin Server, Kafka) does not answer in time."""

    exit_code = 3


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``with``/``finally`` clean-up runs as it does
    for Ctrl-C (a half-written dataset is removed); a BaseException so that no ``except
    Exception`` of a library swallows it."""

    exit_code = 143
