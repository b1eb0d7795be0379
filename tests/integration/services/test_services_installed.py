"""``banking services`` from a non-editable install (``pip install .``, as the README says)
manages the checkout's services exactly as ``services/run.sh`` does.

The package then lives in site-packages, far from services/pom.xml and services/state: the
services must find the checkout from the current directory (or BANKING_HOME) instead.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking.services.process import is_alive

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
RUN_SH = REPO / "services" / "run.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv (seeing this interpreter's site-packages for the dependencies) with the project
    installed non-editable from a copy of the sources; returns its ``banking`` script."""
    tmp = tmp_path_factory.mktemp("installed")
    source = tmp / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("banking", "src"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, source / name)
    env_dir = tmp / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    created = subprocess.run(
        [base, "-m", "venv", "--system-site-packages", str(env_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if created.returncode != 0:  # e.g. a Python built without ensurepip
        venv.create(env_dir, system_site_packages=True, with_pip=False)
        pytest.skip(f"cannot create a venv with pip: {created.stderr.strip()[-200:]}")
    python = env_dir / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run(
        [str(python), "-c", "import banking; print(banking.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), f"banking imported from {where}, not the install"
    return env_dir / "bin" / "banking"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Its own state folder and ports; whatever it started is stopped afterwards."""
    if shutil.which("java") is None and os.environ.get("BANKING_REQUIRE_SERVICES") != "1":
        pytest.skip("java is not installed")
    values = {
        **os.environ,
        "PYTHON": sys.executable,
        "GREMLIN_PORT": str(_free_port()),
        "KAFKA_PORT": str(_free_port()),
        "KAFKA_CONTROLLER_PORT": str(_free_port()),
        "BANKING_SERVICES_STATE": str(tmp_path_factory.mktemp("installed-state")),
        "KAFKA_HEAP": "512m",
    }
    for name in ("BANKING_HOME", "KAFKA_BROKERS", "PYTHONPATH"):
        values.pop(name, None)
    yield values
    subprocess.run([str(RUN_SH), "down"], env=values, capture_output=True, timeout=120)


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_installed_cli_and_run_sh_manage_the_same_services(
    installed: Path, env: dict[str, str], tmp_path: Path
) -> None:
    subdir = REPO / "docs"  # anywhere inside the checkout
    assert _run([str(installed), "services", "env"], env, subdir).stdout == (
        _run([str(RUN_SH), "env"], env, tmp_path).stdout
    )
    started = _run([str(installed), "services", "up", "--only", "kafka"], env, REPO)
    assert started.returncode == 0, started.stdout + started.stderr
    record = Path(env["BANKING_SERVICES_STATE"]) / "kafka" / "process.json"
    pid = json.loads(record.read_text())["pid"]

    seen_by_run_sh = _run([str(RUN_SH), "status", "--only", "kafka"], env, tmp_path)
    assert seen_by_run_sh.returncode == 0, seen_by_run_sh.stdout + seen_by_run_sh.stderr
    assert seen_by_run_sh.stdout.startswith(f"kafka:   up           pid {pid}  ")

    seen_installed = _run([str(installed), "services", "status", "--only", "kafka"], env, subdir)
    assert seen_installed.returncode == 0, seen_installed.stdout + seen_installed.stderr
    assert seen_installed.stdout == seen_by_run_sh.stdout

    # Outside any checkout the installed CLI says what to do, in one line; BANKING_HOME helps.
    lost = _run([str(installed), "services", "status"], env, tmp_path)
    assert lost.returncode == 2
    assert lost.stderr.count("\n") == 1 and "Traceback" not in lost.stderr
    assert "run this from the checkout or set BANKING_HOME" in lost.stderr
    homed = _run(
        [str(installed), "services", "status", "--only", "kafka"],
        {**env, "BANKING_HOME": str(REPO)},
        tmp_path,
    )
    assert homed.stdout == seen_by_run_sh.stdout

    stopped = _run([str(RUN_SH), "down", "--only", "kafka"], env, tmp_path)
    assert stopped.returncode == 0 and f"kafka: stopped (pid {pid})" in stopped.stdout
    assert not is_alive(pid)
