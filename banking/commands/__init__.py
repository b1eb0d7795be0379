"""Sub-commands of the ``banking`` CLI, one module each (see banking.cli)."""
