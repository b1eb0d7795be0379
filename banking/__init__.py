"""Deterministic synthetic banking data with AML typologies, graph loading and streaming."""

__version__ = "0.1.0"
