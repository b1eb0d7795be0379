"""A Gremlin Server that dies under `banking load`: exit 3 with exactly one line on stderr (none
of gremlinpython's or aiohttp's noise at exit), soon after the death; a later load on the
restarted server gives the whole dataset.

The server is one of the test's own (``own_gremlin.OwnGremlin``: its state folder under
tmp_path, its own port), so killing it disturbs nobody.
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from own_gremlin import OwnGremlin

from banking.dataset import DatasetReader
from banking_repository import GraphRepository

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DEATH_BOUND_S = 60.0
KILL_SEEDS = (1, 2, 3)
NOISE = ("Traceback", "Unclosed", "Exception ignored", "Task was destroyed", "Error")


def _banking(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "banking.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _assert_one_error_line(stderr: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("banking: error:"), stderr
    assert not any(word in lines[0].removeprefix("banking: error:") for word in NOISE[:4])


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bank") / "data"
    done = _banking("generate", "--scale", "0.01", "--seed", "42", "--out", str(out), "--quiet")
    assert done.wait(timeout=300) == 0, done.stderr.read()
    return out


@pytest.mark.timeout(900)
def test_load_ends_with_one_line_when_the_server_is_killed_then_reloads_whole(bank, tmp_path):
    server = OwnGremlin(tmp_path / "state")
    try:
        for seed in KILL_SEEDS:
            server.start()
            load = _banking("load", str(bank), "--gremlin", server.url, "--quiet")
            # Past the validation pass (about 2 s), inside the writes (a cold server: 10+ s).
            time.sleep(random.Random(seed).uniform(2.5, 6.0))
            assert load.poll() is None, "the load ended before the server was killed"
            server.kill()
            killed = time.monotonic()
            _, stderr = load.communicate(timeout=DEATH_BOUND_S + 60)
            took = time.monotonic() - killed
            assert load.returncode == 3, stderr
            _assert_one_error_line(stderr)
            assert "Gremlin Server" in stderr
            assert took <= DEATH_BOUND_S, f"load ended {took:.1f} s after the server died"

        server.start()  # TinkerGraph in memory: an empty graph again
        load = _banking("load", str(bank), "--gremlin", server.url, "--quiet")
        _, err = load.communicate(timeout=600)
        assert load.returncode == 0 and err == "", err
        _assert_graph_equals_dataset(server.url, DatasetReader(bank))
    finally:
        server.stop()


def _assert_graph_equals_dataset(url: str, reader: DatasetReader) -> None:
    from gremlin_python.process.graph_traversal import __
    from gremlin_python.process.traversal import T

    records = {e: [r for b in reader.iter_batches(e) for r in b] for e in reader.entities}
    want_vertices = {
        "person": {r["person_id"] for r in records["persons"]},
        "company": {r["company_id"] for r in records["companies"]},
        "account": {r["account_id"] for r in records["accounts"]},
    }
    want_edges = {
        "transfer": {r["txn_id"] for r in records["transactions"]},
        "owns": {f"owns:{r['account_id']}" for r in records["accounts"]},
        "owns_share": {r["link_id"] for r in records["ownership_links"]},
        "communicated": {r["comm_id"] for r in records["communications"]},
    }
    with GraphRepository(url) as repo:
        g = repo._g
        counts = repo.counts()
        assert counts["vertices"] == {k: len(v) for k, v in want_vertices.items()}
        assert counts["edges"] == {k: len(v) for k, v in want_edges.items()}
        for label, ids in want_vertices.items():
            assert set(repo._run(g.V().has_label(label).id_())) == ids
        for label, ids in want_edges.items():
            assert set(repo._run(g.E().has_label(label).id_())) == ids
        transfers = repo._run(
            g.E()
            .has_label("transfer")
            .project("id", "from", "to", "amount")
            .by(T.id)
            .by(__.out_v().id_())
            .by(__.in_v().id_())
            .by("amount")
        )
    got = {t["id"]: (t["from"], t["to"], t["amount"]) for t in transfers}
    want = {
        r["txn_id"]: (r["from_account"], r["to_account"], r["amount"])
        for r in records["transactions"]
    }
    assert got == want


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
            server.bind(("127.0.0.1", int(sys.argv[1])))
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
    from own_gremlin import free_port

    port = free_port()
    with socket.socket() as probe:  # the port is still free for the script
        probe.bind(("127.0.0.1", port))
    run = subprocess.run(
        [sys.executable, str(script), str(port)], capture_output=True, text=True, timeout=50
    )
    assert run.returncode == 0
    _assert_one_error_line(run.stderr)
    assert "unavailable" in run.stderr
