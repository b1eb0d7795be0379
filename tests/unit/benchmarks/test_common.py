"""benchmarks/common.py: absent APIs and absent services become asv skips, nothing else does."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

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
    assert "KAFKA_BOOTSTRAP" in common.service_probe_reason(common.require_kafka)


def test_skip_reason_recorded_by_setup_cache_is_raised_in_setup() -> None:
    common.skip_if(None)
    with pytest.raises(common.Skip, match="no broker"):
        common.skip_if("no broker")


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
