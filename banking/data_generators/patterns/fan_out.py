"""Fan-out: one hub account sends to many accounts within a short window."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from banking.data_generators.patterns import _fan
from banking.data_generators.patterns.builder import Instance
from banking.data_generators.patterns.context import PatternContext

NAME = "fan_out"
DEFAULTS = MappingProxyType(dict(_fan.DEFAULTS))
CHOICES = _fan.CHOICES


def validate(p: dict[str, Any], ctx: PatternContext) -> None:
    _fan.validate(NAME, p, ctx)


def build(inst: Instance, p: dict[str, Any]) -> dict[str, Any]:
    return _fan.build(inst, p, inbound=False)
