"""Package discovery that pyproject.toml alone cannot express.

The graph access layer lives in src/python/repository (the layout the architecture fixes) but is
installed under the clear import name ``banking_repository``; everything else is the ``banking``
package tree.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["banking", "banking.*"]), "banking_repository"],
    package_dir={"banking_repository": "src/python/repository"},
)
