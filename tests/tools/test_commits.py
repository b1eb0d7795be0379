"""tools/benchgate/commits.py: which commits change what `pip install .` builds (temporary repo)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchgate.commits import (
    CommitsError,
    changed_paths,
    code_commits,
    is_code_commit,
    touches_code,
)
from experiment_repo import _commit, _git


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    c = {
        "root": _commit(repo, {"banking/__init__.py": "", "README.md": "x"}, "package"),
        "docs": _commit(repo, {"docs/a.md": "a"}, "docs only"),
        "tools": _commit(repo, {"tools/t.py": "", "html/i.html": "", "results/r.json": "{}"}, "t"),
        "src": _commit(repo, {"src/python/repository/m.py": "x = 1"}, "repository code"),
        "tests": _commit(repo, {"tests/test_x.py": "", "benchmarks/b.py": ""}, "tests"),
        "setup": _commit(repo, {"pyproject.toml": "[project]", "docs/b.md": "b"}, "deps"),
    }
    return repo, c


def test_touches_code_is_the_package_and_its_build_files():
    assert touches_code(["banking/cli.py"])
    assert touches_code(["docs/x.md", "setup.py"])
    assert touches_code(["src/python/repository/graph.py"])
    assert not touches_code(["docs/x.md", "README.md", "tools/culprit.py", "tests/t.py"])
    assert not touches_code(["benchmarks/generators.py", "html/index.html", "results/a.json"])
    assert not touches_code(["bankingx/y.py", "srcs/z.py"])


def test_each_commit_is_classified_by_what_it_changes(repo):
    path, c = repo
    assert changed_paths(path, c["docs"]) == ["docs/a.md"]
    verdicts = {name: is_code_commit(path, h) for name, h in c.items()}
    assert verdicts == {
        "root": True,
        "docs": False,
        "tools": False,
        "src": True,
        "tests": False,
        "setup": True,
    }


def test_code_commits_lists_the_range_oldest_first_in_one_call(repo):
    path, c = repo
    assert code_commits(path, "main") == [c["root"], c["src"], c["setup"]]
    assert code_commits(path, f"{c['docs']}..main") == [c["src"], c["setup"]]


def test_unknown_revisions_are_an_error(repo):
    path, _ = repo
    with pytest.raises(CommitsError):
        code_commits(path, "no-such-branch")
    with pytest.raises(CommitsError):
        is_code_commit(path, "0" * 40)
