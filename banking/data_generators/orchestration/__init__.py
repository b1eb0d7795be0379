"""Whole-bank scenarios at a scale factor (``generate_bank``)."""

from banking.data_generators.orchestration.bank import BankSummary, generate_bank
from banking.data_generators.orchestration.scale import (
    SCALE_1_COUNTS,
    entity_counts,
    typology_counts,
)

__all__ = ["SCALE_1_COUNTS", "BankSummary", "entity_counts", "generate_bank", "typology_counts"]
