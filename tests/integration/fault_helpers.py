"""Helpers of every test that breaks something under a ``banking`` command (the fault suite, the
streaming fault tests, the three-broker cluster): the command run as a user runs it (a
subprocess whose stderr lines are timestamped as they arrive), the one-line error contract, and
"the graph equals the dataset" checked element by element."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gremlin_python.process.graph_traversal import __

from banking.dataset import DatasetReader
from banking.graph.mapping import ACCOUNT, COMMUNICATED, COMPANY, OWNS, OWNS_SHARE, PERSON
from banking.graph.mapping import TRANSFER as TRANSFER_LABEL
from banking_repository import GraphRepository

FORBIDDEN = ("Traceback", "Unclosed", "Exception ignored")
ERROR_PREFIX = "banking: error:"
PRODUCE_PROGRESS = re.compile(
    r"^([a-z_]+: [\d,]+ events queued|checked [\d,]+ records in [\d.]+ s)$"
)
CONSUME_PROGRESS = re.compile(r"^consumed ([\d,]+) events, [\d,]+ dead-lettered$")
# Any command's progress lines on stderr (what may stand beside the one error line).
PROGRESS = re.compile(f"{PRODUCE_PROGRESS.pattern}|{CONSUME_PROGRESS.pattern}")
KILL_TO_EXIT_S = 60.0


def cli_env() -> dict[str, str]:
    """The environment for a ``banking`` subprocess: the user's, less any endpoint variable
    (every command gets its endpoints on the command line, never a user's server)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GREMLIN_URL", "KAFKA_BOOTSTRAP")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class CliRun:
    """``python -m banking.cli ARGS`` in the background, its output collected line by line."""

    args: Sequence[str]
    started: float = 0.0
    stdout: list[str] = field(default_factory=list)
    stderr: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "banking.cli", *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(),
            cwd=Path(__file__).resolve().parents[2],
        )
        self._new_line = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, False), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, True), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, is_err: bool) -> None:
        for line in stream:
            with self._new_line:
                if is_err:
                    self.stderr.append((time.monotonic(), line.rstrip("\n")))
                else:
                    self.stdout.append(line.rstrip("\n"))
                self._new_line.notify_all()
        with self._new_line:
            self._new_line.notify_all()

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for_stderr(
        self, wanted: str | re.Pattern[str] | Callable[[str], bool], timeout_s: float
    ) -> float:
        """When the first stderr line matching ``wanted`` (a substring, a pattern or a test)
        arrived; fails the test if the command ends or the time runs out first."""
        if isinstance(wanted, str):
            text = wanted
            test: Callable[[str], Any] = lambda line: text in line  # noqa: E731
        else:
            test = wanted.match if isinstance(wanted, re.Pattern) else wanted
        deadline = time.monotonic() + timeout_s
        with self._new_line:
            while True:
                for at, line in self.stderr:
                    if test(line):
                        return at
                assert self.running(), f"{self.describe()} ended first: {self.stderr_lines()[-3:]}"
                left = deadline - time.monotonic()
                assert left > 0, f"no such stderr line within {timeout_s:.0f} s"
                self._new_line.wait(min(left, 0.5))

    def wait(self, timeout_s: float) -> int:
        """The exit status; a command still running after ``timeout_s`` is killed and the test
        fails saying so."""
        try:
            code = self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"{self.describe()} still ran {timeout_s:.0f} s later; killed. "
                f"last stderr lines: {self.stderr_lines()[-3:]}"
            ) from None
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stderr_lines(self) -> list[str]:
        return [line for _, line in self.stderr]

    def describe(self) -> str:
        return "banking " + " ".join(self.args)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> float:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:.0f} s"
        time.sleep(0.1)
    return time.monotonic()


def unexpected_lines(run: CliRun, progress: re.Pattern[str] | None = PROGRESS) -> list[str]:
    """The stderr lines that are not progress lines (a clean run has none)."""
    return [line for line in run.stderr_lines() if not (progress and progress.match(line))]


def assert_one_error_line(
    run: CliRun, *fragments: str, progress: re.Pattern[str] | None = PROGRESS
) -> str:
    """Exactly one ``banking: error:`` line, holding every one of ``fragments``; every other
    stderr line is a progress line; no traceback or interpreter noise. Returns the error line."""
    lines = run.stderr_lines()
    head = "\n".join(lines[:8])
    for word in FORBIDDEN:
        assert not any(word in line for line in lines), f"{word!r} on stderr:\n{head}"
    errors = [line for line in lines if line.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, f"{len(errors)} '{ERROR_PREFIX}' lines on stderr:\n{head}"
    other = [line for line in unexpected_lines(run, progress) if not line.startswith(ERROR_PREFIX)]
    assert not other, f"stderr has more than the error line:\n{head}"
    for fragment in fragments:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"
    return errors[0]


def kill_and_expect_one_line(run: CliRun, kill: Callable[[], None], *fragments: str) -> float:
    """``kill()`` a service under ``run``; the command must then end with exit 3 and one error
    line within ``KILL_TO_EXIT_S``. Returns the seconds from the kill to the exit."""
    kill()
    killed = time.monotonic()
    code = run.wait(KILL_TO_EXIT_S)
    took = time.monotonic() - killed
    assert code == 3, f"exit {code} {took:.1f} s after the kill; stderr: {run.stderr_lines()[-3:]}"
    assert_one_error_line(run, *fragments)
    return took


# ---------------------------------------------------------------- the graph against the dataset

# Dataset entity -> (vertex label, id key) and (edge label, id key, from key, to key).
VERTEX_ENTITIES = {
    "persons": (PERSON, "person_id"),
    "companies": (COMPANY, "company_id"),
    "accounts": (ACCOUNT, "account_id"),
}
EDGE_ENTITIES = {
    "transactions": (TRANSFER_LABEL, "txn_id", "from_account", "to_account"),
    "communications": (COMMUNICATED, "comm_id", "from_person", "to_person"),
    "ownership_links": (OWNS_SHARE, "link_id", "owner_id", "company_id"),
}


def expected_graph(reader: DatasetReader) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """What loading ``reader`` must give (banking/graph/mapping.py): vertex ids per label, and
    per edge label ``{edge id: (from id, to id, amount or None)}``; each account also brings
    its ``owns`` edge from its owner."""
    vertices: dict[str, list[str]] = {}
    edges: dict[str, dict[str, tuple]] = {}
    for entity, (label, key) in VERTEX_ENTITIES.items():
        vertices[label] = sorted(r[key] for r in reader.iter_records(entity))
    for entity, (label, key, src, dst) in EDGE_ENTITIES.items():
        edges[label] = {
            r[key]: (r[src], r[dst], r.get("amount") if label == TRANSFER_LABEL else None)
            for r in reader.iter_records(entity)
        }
    edges[OWNS] = {
        f"owns:{r['account_id']}": (r["owner_id"], r["account_id"], None)
        for r in reader.iter_records("accounts")
    }
    return (
        {k: v for k, v in vertices.items() if v},
        {k: v for k, v in edges.items() if v},
    )


def graph_contents(repo: GraphRepository) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Every vertex id per label and every edge as (id, from id, to id, amount) per label,
    read with bytecode traversals through the repository's connection."""
    g, run = repo._g, repo._run  # the repository's own bytecode path; no public raw query
    vertices: dict[str, list[str]] = {}
    for row in run(g.V().project("label", "id").by(__.label()).by(__.id_())):
        vertices.setdefault(row["label"], []).append(row["id"])
    edges: dict[str, list[tuple]] = {}
    rows = run(
        g.E()
        .project("label", "id", "from", "to", "amount")
        .by(__.label())
        .by("edge_id")  # an edge's key on every engine (JanusGraph assigns element ids)
        .by(__.out_v().id_())
        .by(__.in_v().id_())
        .by(__.values("amount").fold())
    )
    for row in rows:
        label = row["label"]
        amount = row["amount"][0] if row["amount"] and label == TRANSFER_LABEL else None
        edges.setdefault(label, []).append((row["id"], row["from"], row["to"], amount))
    return vertices, edges


def assert_graph_equals_dataset(repo: GraphRepository, reader: DatasetReader) -> None:
    """The graph holds exactly the dataset: per label the same ids (no extra, none missing, no
    duplicate) and every edge between the dataset's endpoints, transfers with their amounts."""
    want_v, want_e = expected_graph(reader)
    have_v, have_e = graph_contents(repo)
    assert sorted(have_v) == sorted(want_v), f"vertex labels {sorted(have_v)} != {sorted(want_v)}"
    for label, ids in want_v.items():
        have = sorted(have_v[label])
        assert len(have) == len(set(have)), f"duplicate {label} vertices"
        missing, extra = sorted(set(ids) - set(have)), sorted(set(have) - set(ids))
        assert not missing and not extra, (
            f"{label}: {len(have)} vertices for {len(ids)} records; "
            f"missing {missing[:5]} ({len(missing)}), extra {extra[:5]} ({len(extra)})"
        )
    assert sorted(have_e) == sorted(want_e), f"edge labels {sorted(have_e)} != {sorted(want_e)}"
    for label, want in want_e.items():
        rows = have_e[label]
        ids = [row[0] for row in rows]
        assert len(ids) == len(set(ids)), f"duplicate {label} edges"
        missing, extra = sorted(set(want) - set(ids)), sorted(set(ids) - set(want))
        assert not missing and not extra, (
            f"{label}: {len(ids)} edges for {len(want)} records; "
            f"missing {missing[:5]} ({len(missing)}), extra {extra[:5]} ({len(extra)})"
        )
        wrong = [row for row in rows if tuple(row[1:]) != want[row[0]]]
        assert not wrong, f"{label}: {len(wrong)} edges differ, e.g. {wrong[:3]} vs dataset"
