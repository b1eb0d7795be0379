"""Shared fixtures of the suite: seeded datasets, API guards, service probes and measurements.

asv runs today's ``benchmarks/`` against the package installed from every past commit, so
nothing here imports the project at module level: each benchmark asks for the API it needs in
``setup`` through :func:`need`, which turns "not there yet" into ``NotImplementedError`` (asv
records a skip, not a failure); a class whose samples share data builds it in ``setup_cache``
under :func:`data_or_reason`, which carries such a skip over to every sample. Data is always
drawn from ``SEED`` so every commit measures the same input.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
import socket
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlparse

SEED = 42
PROBE_TIMEOUT_S = 2.0
DEFAULT_GREMLIN_URL = "ws://127.0.0.1:8182/gremlin"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"

# The five core/event generators by the short name the site shows.
GENERATORS = ("persons", "companies", "accounts", "transactions", "communications")


class Skip(NotImplementedError):
    """Raised in ``setup``: asv records the benchmark as skipped, with this reason on stderr."""


def need(module: str, *names: str) -> Any:
    """Import ``module`` (and return its attributes ``names``), or skip if this commit lacks it.

    Only the absence of the *project's* module or name skips; a missing third-party module or an
    error inside the project's code still fails, so a broken commit is not hidden as a skip.
    """
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise Skip(f"{module} does not exist at this commit") from None
        raise
    if not names:
        return mod
    values = []
    for name in names:
        if not hasattr(mod, name):
            raise Skip(f"{module}.{name} does not exist at this commit")
        values.append(getattr(mod, name))
    return values[0] if len(values) == 1 else tuple(values)


def teardown_after_setup(cls: type) -> type:
    """Class decorator: run ``teardown`` only for a sample whose ``setup`` finished.

    asv calls ``teardown`` even when ``setup`` raised NotImplementedError (a skip); a teardown
    that undoes what setup built would then fail and turn the skip into a failure at every
    commit that lacks the API.
    """
    setup, teardown = cls.setup, cls.teardown

    @functools.wraps(setup)
    def tracked_setup(self: Any, *params: Any) -> None:
        self._set_up = False
        setup(self, *params)
        self._set_up = True

    @functools.wraps(teardown)
    def guarded_teardown(self: Any, *params: Any) -> None:
        if getattr(self, "_set_up", False):
            teardown(self, *params)

    cls.setup, cls.teardown = tracked_setup, guarded_teardown
    return cls


def data_or_reason(cls: type) -> type:
    """Class decorator: ``setup_cache`` builds the data every sample shares, or skips.

    asv counts an exception in ``setup_cache`` as a failure of every benchmark of the class, so
    a skip raised there (the commit lacks the API, a service is down) is returned as its reason
    instead, and ``setup`` raises it again before it runs: every sample skips with the reason.
    No ``setup_cache`` of the suite returns a str of its own. A function already converted (a
    ``setup_cache`` shared with another class) is left as it is.
    """
    make, setup = cls.setup_cache, cls.setup
    if not getattr(make, "_data_or_reason", False):

        @functools.wraps(make)
        def setup_cache(self: Any) -> Any:
            try:
                return make(self)
            except NotImplementedError as exc:
                return str(exc)

        setup_cache._data_or_reason = True
        cls.setup_cache = setup_cache
    if not getattr(setup, "_data_or_reason", False):

        @functools.wraps(setup)
        def setup_with_data(self: Any, data: Any, *params: Any) -> None:
            if isinstance(data, str):
                raise Skip(data)
            setup(self, data, *params)

        setup_with_data._data_or_reason = True
        cls.setup = setup_with_data
    return keep_history(cls)


# --- history ------------------------------------------------------------------------------------

# asv keys every result by the benchmark's version: unless the benchmark sets one, a hash of the
# source of the benchmark, its setup and its setup_cache. ``asv publish`` and the gate drop or
# refuse a result of another version, so a change to setup that measures exactly what it did
# would cut the committed history. history.json pins such a benchmark to the version its history
# was recorded under, while its source is the one the pin names (``source``: see
# ``_source_digest``); an edit of that source drops the pin, and asv's own version comes back.
HISTORY = MappingProxyType(
    json.loads((Path(__file__).parent / "history.json").read_text(encoding="utf-8"))["pins"]
)


def _source_digest(cls: type, func: Callable[..., Any]) -> str:
    """What asv hashes for ``cls.func`` (the benchmark, setup and setup_cache, or a count's
    ``pretty_source``), hashed here without asv: sha256, first 16 hex digits."""
    parts = []
    for item in (func, getattr(cls, "setup", None), getattr(cls, "setup_cache", None)):
        if item is not None:
            text = getattr(item, "pretty_source", None) or inspect.getsource(inspect.unwrap(item))
            parts.append(textwrap.dedent(text))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def keep_history(cls: type) -> type:
    """Class decorator: give each benchmark of ``cls`` that history.json pins, and whose source
    is still the pinned one, the version its history was recorded under."""
    prefix = f"{cls.__module__.partition('.')[2]}.{cls.__name__}."
    for name, func in vars(cls).items():
        pin = HISTORY.get(prefix + name)
        if pin is not None and _source_digest(cls, func) == pin["source"]:
            func.version = pin["version"]
    return cls


# --- services ---------------------------------------------------------------------------------


def _probe(host: str, port: int, what: str, env: str, where: str) -> None:
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return
    except OSError as exc:
        raise Skip(
            f"{what} does not answer at {where} ({exc}); set {env} or start services/run.sh up"
        ) from None


def gremlin_url() -> str:
    return os.environ.get("GREMLIN_URL", DEFAULT_GREMLIN_URL)


def kafka_bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)


def require_gremlin() -> str:
    """``GREMLIN_URL`` if Gremlin Server accepts a connection within about 2 s, else skip."""
    url = gremlin_url()
    parsed = urlparse(url)
    _probe(
        parsed.hostname or "127.0.0.1", parsed.port or 8182, "Gremlin Server", "GREMLIN_URL", url
    )
    return url


def require_kafka() -> str:
    """``KAFKA_BOOTSTRAP`` if the broker accepts a connection within about 2 s, else skip."""
    bootstrap = kafka_bootstrap()
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    _probe(host or "127.0.0.1", int(port or 9092), "Kafka", "KAFKA_BOOTSTRAP", bootstrap)
    return bootstrap


def graph_repository(url: str) -> Any:
    """A ``GraphRepository`` on the suite's Gremlin Server with two writes in flight, where this
    commit's repository takes ``in_flight`` (147f659 on; before, it has one writer).

    Two was the default from 147f659 until the default became one; the suite keeps two so its
    history keeps one meaning. Safe here only: the project's own server runs ``gremlinPool: 1``.
    """
    repository = need("banking_repository", "GraphRepository")
    if "in_flight" in inspect.signature(repository).parameters:
        return repository(url, in_flight=2)
    return repository(url)


def unique_name(prefix: str) -> str:
    """A topic/group name no other run uses (names only: never part of generated data)."""
    return f"{prefix}-{os.getpid()}-{time.time_ns()}"


# --- seeded data --------------------------------------------------------------------------------


def generator_classes() -> dict[str, type]:
    """The five generator classes by short name (skips if any is missing at this commit)."""
    person, company, account = need(
        "banking.data_generators.core", "PersonGenerator", "CompanyGenerator", "AccountGenerator"
    )
    txn, comm = need(
        "banking.data_generators.events", "TransactionGenerator", "CommunicationGenerator"
    )
    return {
        "persons": person,
        "companies": company,
        "accounts": account,
        "transactions": txn,
        "communications": comm,
    }


def core_bank(persons: int = 2_000, seed: int = SEED) -> dict[str, Any]:
    """Ids of a small consistent bank drawn from ``seed``: what dependent generators and
    typologies draw over. Plain lists, so ``setup_cache`` can pickle them cheaply.

    Sizes follow the scenario's proportions (a tenth as many companies as persons, about 1.2
    accounts per person).
    """
    classes = generator_classes()
    person_ids = [p.person_id for p in classes["persons"](seed).generate_batch(persons)]
    company_ids = [
        c.company_id for c in classes["companies"](seed).generate_batch(max(2, persons // 10))
    ]
    accounts = classes["accounts"](seed, person_ids + company_ids).generate_batch(
        int(persons * 1.2)
    )
    return {
        "person_ids": person_ids,
        "company_ids": company_ids,
        "account_ids": [a.account_id for a in accounts],
        "account_owner_ids": [a.owner_id for a in accounts],
    }


def id_bank(persons: int = 2_000, seed: int = SEED) -> dict[str, Any]:
    """Ids only, drawn straight from ``banking.ids`` (present since the first commit): the
    shape of ``core_bank`` for code that needs ids but not records, such as the typologies,
    so their benchmarks measure commits that predate the generators too."""
    id_sequence = need("banking.ids", "IdSequence")
    stream_rng = need("banking.seeding", "stream_rng")
    person_ids = id_sequence(seed, "person", "core").take(persons).tolist()
    company_ids = id_sequence(seed, "company", "core").take(max(2, persons // 10)).tolist()
    account_ids = id_sequence(seed, "account", "core").take(int(persons * 1.2)).tolist()
    owners = person_ids + company_ids
    picks = stream_rng(seed, "asv:account-owners").integers(0, len(owners), len(account_ids))
    return {
        "person_ids": person_ids,
        "company_ids": company_ids,
        "account_ids": account_ids,
        "account_owner_ids": [owners[i] for i in picks.tolist()],
    }


def make_generator(kind: str, bank: dict[str, Any] | None = None, seed: int = SEED) -> Any:
    """A fresh generator of ``kind``; dependent kinds draw over ``bank`` (see core_bank)."""
    cls = generator_classes()[kind]
    if kind in ("persons", "companies"):
        return cls(seed)
    if bank is None:
        raise ValueError(f"{kind} generator needs a core bank")
    # Second positional argument: the ids the generator draws over (owners, accounts, persons).
    if kind == "accounts":
        return cls(seed, bank["person_ids"] + bank["company_ids"])
    if kind == "transactions":
        return cls(seed, bank["account_ids"])
    return cls(seed, bank["person_ids"])


def to_records(models: list[Any]) -> list[dict[str, Any]]:
    """JSON-native dicts of models (what events carry as payload)."""
    return [m.model_dump(mode="json") for m in models]


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    """A temporary directory the caller cleans up (teardown)."""
    return tempfile.TemporaryDirectory(prefix=f"asv-{prefix}-")


def dir_bytes(path: str | Path) -> int:
    """Total size of the files under ``path``: the deterministic output-size counter."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --- measurements -------------------------------------------------------------------------------


def alloc_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc) while ``fn`` runs: the operation alone, not setup."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (IPv4 or IPv6), from /proc/net."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rpartition(":")[2], 16) == port:  # 0A: LISTEN
                inodes.add(inode)
    return inodes


def server_pid(port: int) -> int:
    """The process listening on ``port`` on this machine (the JVM of Gremlin Server or the
    broker), found through /proc; skips when there is none or it cannot be seen."""
    inodes = _listening_inodes(port)
    if inodes:
        targets = {f"socket:[{inode}]" for inode in inodes}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if any(os.readlink(fd) in targets for fd in (proc / "fd").iterdir()):
                    return int(proc.name)
            except OSError:
                continue
    raise Skip(f"no process of this user listens on port {port}: no server CPU time")


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and its threads so far (/proc/PID/stat, clock ticks)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rpartition(")")[2].split()  # after "(comm)", which may contain spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(fn: Callable[[], Any], ports: list[int], repeat: int = 1) -> float:
    """CPU seconds the servers on ``ports`` spent while ``fn`` ran ``repeat`` times, per run.

    The server's own CPU time does not count the time it waited for a busy core, so it moves
    far less under load than the client's wall clock: a server-side slowdown shows here. The
    clock ticks every 10 ms: ``repeat`` a short operation until it costs a second or more.
    """
    pids = [server_pid(port) for port in ports]
    before = sum(process_cpu_seconds(pid) for pid in pids)
    for _ in range(repeat):
        fn()
    return round((sum(process_cpu_seconds(pid) for pid in pids) - before) / repeat, 6)


def gremlin_port() -> int:
    return urlparse(gremlin_url()).port or 8182


def kafka_port() -> int:
    return int(kafka_bootstrap().split(",")[0].rpartition(":")[2] or 9092)


def rate(fn: Callable[[], Any], count: int) -> float:
    """``count`` divided by the seconds ``fn`` takes (entities/s, events/s, elements/s)."""
    start = time.perf_counter()
    fn()
    return count / max(time.perf_counter() - start, 1e-9)


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Delete a run's Kafka topics (best effort: a leftover topic must not fail a benchmark)."""
    from kafka.admin import KafkaAdminClient

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="asv-cleanup")
    except Exception:
        return
    try:
        admin.delete_topics(topics, timeout_ms=10_000)
    except Exception:
        pass
    finally:
        admin.close()
