"""Which packages install, and under which names (everything else is in pyproject.toml).

The graph access layer lives in src/python/repository (the layout the architecture fixes) and
is installed as the import package ``banking_repository``: ``import banking_repository`` runs
src/python/repository/__init__.py. Everything else is the ``banking`` package tree, found
automatically. pyproject's ``[tool.setuptools]`` cannot express the pair without a hand-kept
list of every banking subpackage (``packages.find`` ignores ``package-dir``), hence this file.
The repository depends on ``banking.entities`` and ``banking.errors`` only
(tests/unit/test_import_graph.py).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["banking", "banking.*"]), "banking_repository"],
    package_dir={"banking_repository": "src/python/repository"},
)
