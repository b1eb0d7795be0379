"""Which commits change the measured code: the only commits worth measuring or blaming.

asv builds ``pip install .`` at each commit and runs today's benchmark suite against it, so a
commit that touches nothing ``pip install .`` builds (docs, results, the site, tests, tools, the
benchmark suite, CI files) measures exactly the code of its parent. Its figures are more samples
of the parent's code, and a jump that lands on it is noise by construction.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# What `pip install .` builds from: the packages (banking/, src/python/repository installed as
# banking_repository) and the files that declare them and their dependencies.
CODE_PATHS = ("banking/", "src/", "setup.py", "pyproject.toml", "setup.cfg", "MANIFEST.in")


class CommitsError(RuntimeError):
    """git failed: not a repository, or an unknown revision."""


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CommitsError(f"git {' '.join(args)}: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def touches_code(paths: list[str]) -> bool:
    """True when any of ``paths`` (repository-relative) is part of what ``pip install .`` builds."""
    return any(p == c or (c.endswith("/") and p.startswith(c)) for p in paths for c in CODE_PATHS)


def changed_paths(repo: Path, commit: str) -> list[str]:
    """Files ``commit`` changes against its first parent (all its files for a root commit)."""
    out = _git(repo, "show", "--first-parent", "--format=", "--name-only", "--no-renames", commit)
    return [line for line in out.splitlines() if line]


def is_code_commit(repo: Path, commit: str) -> bool:
    """Whether ``commit`` changes package code against its first parent."""
    return touches_code(changed_paths(repo, commit))


def code_commits(repo: Path, rev_range: str) -> list[str]:
    """Full hashes of the first-parent commits in ``rev_range`` (git syntax, e.g. ``A^..main``)
    that change package code, oldest first."""
    out = _git(
        repo, "log", "--first-parent", "--reverse", "--format=%H", rev_range, "--", *CODE_PATHS
    )
    return [line for line in out.splitlines() if line]


if __name__ == "__main__":
    # python tools/benchgate/commits.py RANGE: the code commits of RANGE, one a line, for
    # asv run HASHFILE:-
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python tools/benchgate/commits.py RANGE   (e.g. 744b7951^..main)")
    try:
        print(*code_commits(Path("."), sys.argv[1]), sep="\n")
    except CommitsError as exc:
        sys.exit(f"commits: {exc}")
