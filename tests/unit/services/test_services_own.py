"""``banking load`` / ``stream consume`` keep two requests in flight only against the project's
own Gremlin Server (gremlinPool 1), proven by its process record; any other server gets one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking.services.own import gremlin_in_flight, is_own_gremlin
from banking.services.process import ProcessRecord, marker_args, start_ticks, write_record
from banking.services.settings import ServiceSettings

URL = "ws://127.0.0.1:18182/gremlin"


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(gremlin_port=18182, state_dir=tmp_path / "state")


@pytest.fixture
def server(settings: ServiceSettings) -> Iterator[subprocess.Popen]:
    """A stand-in for the Gremlin Server JVM: a live process carrying the state's markers,
    recorded as ``up`` records it."""
    args = marker_args(settings.state_dir, "gremlin")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *args])
    try:
        folder = settings.service_dir("gremlin")
        folder.mkdir(parents=True)
        ticks = start_ticks(proc.pid)
        assert ticks is not None
        record = ProcessRecord("gremlin", proc.pid, ticks, (18182,), settings.gremlin_url, "")
        write_record(folder, record)
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_the_running_own_server_gets_two_in_flight(settings, server):
    assert is_own_gremlin(URL, settings)
    assert is_own_gremlin("ws://localhost:18182/gremlin/", settings)
    assert gremlin_in_flight(URL, settings) == 2


@pytest.mark.parametrize(
    "url",
    ["ws://127.0.0.1:18183/gremlin", "ws://10.0.0.5:18182/gremlin", "ws://127.0.0.1:x/gremlin"],
)
def test_another_server_gets_one(settings, server, url):
    assert not is_own_gremlin(url, settings)
    assert gremlin_in_flight(url, settings) == 1


def test_a_recorded_server_that_is_gone_gets_one(settings, server):
    server.kill()
    server.wait()
    assert gremlin_in_flight(URL, settings) == 1


def test_no_record_and_no_checkout_get_one(settings, tmp_path, monkeypatch):
    assert gremlin_in_flight(URL, settings) == 1
    monkeypatch.setenv("BANKING_HOME", str(tmp_path))  # not a checkout: from_env refuses
    assert gremlin_in_flight(URL) == 1
