"""Baselines to read the other figures against."""

from . import common


def setup() -> None:
    # Import what every other benchmark's setup imports, so the baseline holds the same libraries.
    common.need("banking.models")
    common.need("numpy")


def peakmem_reference() -> None:
    """Peak RSS of a benchmark process that does nothing: subtract it from every ``peakmem_``.

    It holds the interpreter, numpy, pydantic and the project's models, which is why ``peakmem_``
    figures are never the cost of an operation alone (``track_alloc_peak_*`` figures are).
    """


def time_reference() -> None:
    """A no-op call: the timer's floor on this machine."""
