"""Which checkout the services use: BANKING_HOME, else the current directory upwards, else the
package's own location when that is a checkout (editable install), else a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from banking.errors import UsageError
from banking.services.settings import ServiceSettings, find_repo_root, is_checkout


def _checkout(path: Path) -> Path:
    (path / "services").mkdir(parents=True)
    (path / "services" / "pom.xml").write_text("<project/>")
    (path / "banking").mkdir()
    return path


def test_a_checkout_holds_the_poms_and_the_package(tmp_path: Path) -> None:
    assert not is_checkout(tmp_path)
    (tmp_path / "banking").mkdir()
    assert not is_checkout(tmp_path)  # site-packages holds banking/ but no services/pom.xml
    _checkout(tmp_path / "repo")
    assert is_checkout(tmp_path / "repo")


def test_the_current_directory_or_a_parent_is_found(tmp_path: Path) -> None:
    repo = _checkout(tmp_path / "repo")
    deep = repo / "docs" / "sub"
    deep.mkdir(parents=True)
    nowhere = tmp_path / "site-packages"
    assert find_repo_root(cwd=deep, env={}, package_root=nowhere) == repo.resolve()
    assert find_repo_root(cwd=repo, env={}, package_root=nowhere) == repo.resolve()


def test_banking_home_wins_over_the_current_directory(tmp_path: Path) -> None:
    here = _checkout(tmp_path / "here")
    home = _checkout(tmp_path / "home")
    env = {"BANKING_HOME": str(home)}
    assert find_repo_root(cwd=here, env=env, package_root=here) == home.resolve()


def test_a_banking_home_that_is_no_checkout_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"BANKING_HOME=.* is not a banking-graph-bench checkout"):
        find_repo_root(cwd=tmp_path, env={"BANKING_HOME": str(tmp_path)})


def test_the_package_location_is_the_fallback_only_when_it_is_a_checkout(tmp_path: Path) -> None:
    editable = _checkout(tmp_path / "editable")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert find_repo_root(cwd=outside, env={}, package_root=editable) == editable
    site = tmp_path / "site-packages"
    (site / "banking").mkdir(parents=True)
    with pytest.raises(UsageError) as caught:
        find_repo_root(cwd=outside, env={}, package_root=site)
    message = str(caught.value)
    assert "run this from the checkout or set BANKING_HOME" in message
    assert "\n" not in message


def test_settings_take_state_and_jars_from_the_found_checkout(tmp_path: Path, monkeypatch) -> None:
    repo = _checkout(tmp_path / "repo")
    monkeypatch.setenv("BANKING_HOME", str(repo))
    settings = ServiceSettings.from_env({"BANKING_HOME": str(repo)})
    assert settings.repo_root == repo.resolve()
    assert settings.state_dir == repo.resolve() / "services" / "state"
    assert settings.lib_dir("kafka-2") == repo.resolve() / "services" / "lib" / "kafka"
    assert ServiceSettings().state_dir == repo.resolve() / "services" / "state"
