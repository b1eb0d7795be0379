"""benchmarks/common.py: absent APIs and absent services become asv skips, nothing else does."""

from __future__ import annotations

import importlib
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402


def test_skip_is_what_asv_treats_as_skipped() -> None:
    assert issubclass(common.Skip, NotImplementedError)


def test_missing_project_module_or_name_skips() -> None:
    with pytest.raises(common.Skip, match=r"banking\.no_such_module does not exist"):
        common.need("banking.no_such_module")
    with pytest.raises(common.Skip, match=r"banking\.errors\.NoSuchName does not exist"):
        common.need("banking.errors", "NoSuchName")


def test_present_names_are_returned() -> None:
    usage, unavailable = common.need("banking.errors", "UsageError", "ServiceUnavailable")
    assert usage.exit_code == 2 and unavailable.exit_code == 3


def test_a_broken_import_inside_the_project_fails_instead_of_skipping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "asvprobe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken.py").write_text("import a_third_party_module_that_is_missing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        common.need("asvprobe_pkg.broken")
    assert not isinstance(info.value, NotImplementedError)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_absent_gremlin_server_skips_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREMLIN_URL", f"ws://127.0.0.1:{_closed_port()}/gremlin")
    start = time.monotonic()
    with pytest.raises(common.Skip, match="Gremlin Server does not answer"):
        common.require_gremlin()
    assert time.monotonic() - start < common.PROBE_TIMEOUT_S + 1


def test_absent_kafka_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", f"127.0.0.1:{_closed_port()}")
    with pytest.raises(common.Skip, match="KAFKA_BOOTSTRAP"):
        common.require_kafka()


def _cached_bench(make: Callable[[], Any]) -> type:
    @common.data_or_reason
    class Bench:
        def setup_cache(self) -> Any:
            return make()

        def setup(self, data: Any, n: int) -> None:
            self.data, self.n = data, n

    return Bench


def _no_broker() -> Any:
    raise common.Skip("no broker at this address")


def test_a_skip_in_setup_cache_becomes_the_reason_every_setup_raises() -> None:
    bench = _cached_bench(_no_broker)()
    reason = bench.setup_cache()  # asv would fail every benchmark if this raised
    with pytest.raises(common.Skip, match="no broker at this address"):
        bench.setup(reason, 1)
    assert not hasattr(bench, "data")


def test_setup_cache_data_reaches_setup() -> None:
    bench = _cached_bench(lambda: {"ids": [1, 2]})()
    bench.setup(bench.setup_cache(), 3)
    assert (bench.data, bench.n) == ({"ids": [1, 2]}, 3)


def test_an_error_in_setup_cache_still_fails() -> None:
    bench = _cached_bench(lambda: 1 / 0)()
    with pytest.raises(ZeroDivisionError):
        bench.setup_cache()


def test_a_shared_setup_cache_is_converted_once() -> None:
    first = _cached_bench(_no_broker)

    @common.data_or_reason
    class Second:
        setup_cache = first.setup_cache
        setup = first.setup

    assert Second.setup_cache is first.setup_cache and Second.setup is first.setup
    assert Second().setup_cache() == "no broker at this address"


class _OldRepository:
    def __init__(self, url: str) -> None:
        self.url = url


class _NewRepository(_OldRepository):
    def __init__(self, url: str, *, in_flight: int = 1) -> None:
        super().__init__(url)
        self.in_flight = in_flight


@pytest.mark.parametrize(("cls", "expected"), [(_NewRepository, 2), (_OldRepository, None)])
def test_graph_repository_keeps_two_writes_in_flight_where_it_can(
    monkeypatch: pytest.MonkeyPatch, cls: type, expected: int | None
) -> None:
    monkeypatch.setattr(common, "need", lambda module, *names: cls)
    repo = common.graph_repository("ws://server/gremlin")
    assert repo.url == "ws://server/gremlin"
    assert getattr(repo, "in_flight", None) == expected


def _pinned() -> list[tuple[str, Any, dict]]:
    out = []
    for name, pin in common.HISTORY.items():
        module, cls, attr = name.split(".")
        klass = getattr(importlib.import_module(f"benchmarks.{module}"), cls)
        out.append((name, getattr(klass, attr), pin))
    return out


def test_every_history_pin_applies() -> None:
    """A pinned benchmark whose source changed loses its pin and asv cuts its history: drop the
    pin from history.json if the change measures something else, or restore the source."""
    pinned = _pinned()
    assert pinned
    for name, func, pin in pinned:
        assert getattr(func, "version", None) == pin["version"], name


def test_an_edited_benchmark_loses_its_pin() -> None:
    name, _, _ = _pinned()[0]
    module, cls, attr = name.split(".")
    klass = getattr(importlib.import_module(f"benchmarks.{module}"), cls)

    def edited(self: Any, *params: Any) -> None:
        pass

    copy = type(cls, (klass,), {attr: edited, "__module__": klass.__module__})
    common.keep_history(copy)
    assert getattr(edited, "version", None) is None


def test_alloc_peak_measures_the_operation() -> None:
    small = common.alloc_peak(lambda: bytearray(1_000))
    large = common.alloc_peak(lambda: bytearray(10_000_000))
    assert small < 100_000 <= 10_000_000 <= large


def test_unique_names_differ() -> None:
    assert common.unique_name("t") != common.unique_name("t")


def test_cli_peak_rss_is_the_commands_own_not_the_suites() -> None:
    from benchmarks import cli

    ballast = bytearray(200 * 2**20)  # this process: > 200 MiB resident
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = cli._peak_rss([sys.executable, "-S", "-c", "pass"])
    big = cli._peak_rss(
        [
            sys.executable,
            "-S",
            "-c",
            "b = bytearray(120 * 2**20); b[::4096] = b'x' * len(b[::4096])",
        ]
    )
    assert small < 60 * 2**20  # the ballast does not leak into the child's figure
    assert big > 120 * 2**20 > small
    with pytest.raises(RuntimeError, match="exited 3"):
        cli._peak_rss([sys.executable, "-S", "-c", "import sys; sys.exit(3)"])
    del ballast


SERVER = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    end = time.process_time() + 0.3  # burn 0.3 s of CPU per connection, then answer
    while time.process_time() < end:
        pass
    conn.sendall(b"ok")
    conn.close()
"""


def test_server_cpu_seconds_counts_the_listening_process_cpu() -> None:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        assert common.server_pid(port) == proc.pid

        def request() -> None:
            with socket.create_connection(("127.0.0.1", port)) as conn:
                assert conn.recv(2) == b"ok"

        spent = common.server_cpu_seconds(request, [port], repeat=2)
        assert 0.25 <= spent <= 0.6, spent  # per request; the client's own CPU is not in it
    finally:
        proc.kill()
        proc.wait()


def test_no_listener_skips_with_the_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening
        with pytest.raises(common.Skip, match=f"port {port}"):
            common.server_pid(port)
