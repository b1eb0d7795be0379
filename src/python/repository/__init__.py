"""Graph access layer (installed as ``banking_repository``)."""
