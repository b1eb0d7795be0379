"""A Gremlin Server that dies between the connection probe and the websocket handshake: the
process ends with its own one line on stderr, none of gremlinpython's or aiohttp's noise at exit.

A server killed under a running `banking load` (exit 3, one line, the re-run loads the whole
dataset) is tests/integration/faults/test_load_faults.py, which kills at a seeded share of the
load rather than after a delay that a fast load can outrun.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KILL_SEEDS = (1, 2, 3)
NOISE = ("Traceback", "Unclosed", "Exception ignored", "Task was destroyed")


def _assert_one_error_line(stderr: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("banking: error:"), stderr
    assert not any(word in lines[0].removeprefix("banking: error:") for word in NOISE)


@pytest.mark.timeout(60)
def test_a_failed_handshake_leaves_nothing_open_at_exit(tmp_path):
    """The TCP probe passes, then the websocket handshake fails (a server dying between the
    two): the process still exits with nothing on stderr but its own line."""
    script = tmp_path / "handshake.py"
    script.write_text(
        textwrap.dedent(
            """
            import socket, sys, threading
            from banking_repository import GraphRepository, GraphUnavailable

            server = socket.socket()
            server.bind(("127.0.0.1", 0))
            server.listen(50)

            def accept_and_close():
                while True:
                    conn, _ = server.accept()
                    conn.close()

            threading.Thread(target=accept_and_close, daemon=True).start()
            url = f"ws://127.0.0.1:{server.getsockname()[1]}/gremlin"
            try:
                with GraphRepository(url, retries=2, backoff_s=0.01) as repo:
                    repo.upsert_vertices("person", [{"entity_id": "PER-1"}])
            except GraphUnavailable as exc:
                print(f"banking: error: {exc}", file=sys.stderr)
            """
        )
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=50)
    assert run.returncode == 0
    _assert_one_error_line(run.stderr)
    assert "unavailable" in run.stderr
