"""Same seed => byte-identical output in fresh processes, whatever the hash seed, the date and the
order generators are created in; a different seed => different output."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FAKE_DAY = "2031-07-04"
COUNTS = ["--persons", "150", "--companies", "30", "--accounts", "250", "--transactions", "2000",
          "--communications", "100"]  # fmt: skip

# Prints the date the child process believes it is, then runs the CLI.
CLI_CHILD = textwrap.dedent(
    """
    import datetime, sys
    print(datetime.date.today().isoformat(), file=sys.stderr)
    from banking.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)

# Creates the five generators in the order given on the command line, then hashes their output
# in a fixed order.
GENERATORS_CHILD = textwrap.dedent(
    """
    import datetime, hashlib, sys
    from banking.data_generators.core import (AccountGenerator, CommunicationGenerator,
        CompanyGenerator, PersonGenerator, TransactionGenerator)
    print(datetime.date.today().isoformat(), file=sys.stderr)
    classes = {c.__name__: c for c in (AccountGenerator, CommunicationGenerator, CompanyGenerator,
                                       PersonGenerator, TransactionGenerator)}
    gens = {name: classes[name](7) for name in sys.argv[1:]}
    for name in sorted(gens):
        batch = gens[name].generate_batch(300)
        data = "\\n".join(m.model_dump_json() for m in batch).encode()
        print(name, hashlib.sha256(data).hexdigest())
    """
)

SITECUSTOMIZE = textwrap.dedent(
    f"""
    # Fakes the current date for a determinism test (used when the faketime tool is missing).
    import datetime as _dt
    import time as _time

    _FAKE = _dt.datetime.fromisoformat("{FAKE_DAY}T03:00:00")


    class _Date(_dt.date):
        @classmethod
        def today(cls):
            return _dt.date(_FAKE.year, _FAKE.month, _FAKE.day)


    class _DateTime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _FAKE if tz is None else _FAKE.replace(tzinfo=tz)

        @classmethod
        def today(cls):
            return _FAKE


    _dt.date = _Date
    _dt.datetime = _DateTime
    _time.time = lambda: _FAKE.timestamp()
    """
)


def _env(hash_seed: str, extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKETIME", "LD_PRELOAD"))}
    env["PYTHONHASHSEED"] = hash_seed
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(extra_path), env.get("PYTHONPATH")) if p
        )
    return env


def _run(
    code: str, args: list[str], hash_seed: str, fake: str | None, tmp: Path
) -> tuple[str, str]:
    """Run ``code`` in a fresh interpreter; ``fake`` is None, "faketime" or "sitecustomize"."""
    command = [sys.executable, "-c", code, *args]
    extra = None
    if fake == "faketime":
        command = ["faketime", f"{FAKE_DAY} 03:00:00", *command]
    elif fake == "sitecustomize":
        extra = tmp / "fake_site"
        extra.mkdir(exist_ok=True)
        (extra / "sitecustomize.py").write_text(SITECUSTOMIZE)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=_env(hash_seed, extra)
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr.strip().splitlines()[0]


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


FAKES = [None, "sitecustomize"] + (["faketime"] if shutil.which("faketime") else [])


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("det")
    out = tmp / "ref"
    _, today = _run(CLI_CHILD, ["generate", "--out", str(out), "--quiet", *COUNTS], "0", None, tmp)
    return _digests(out), today


@pytest.mark.parametrize("fake", FAKES[1:])
def test_dataset_bytes_identical_across_hash_seeds_and_dates(reference, tmp_path, fake):
    digests, real_today = reference
    out = tmp_path / "ds"
    _, today = _run(
        CLI_CHILD, ["generate", "--out", str(out), "--quiet", *COUNTS], "4242", fake, tmp_path
    )
    assert today == FAKE_DAY != real_today  # the fake date really was in effect
    assert _digests(out) == digests
    assert set(digests) == {
        "manifest.json", "persons.jsonl", "companies.jsonl", "accounts.jsonl",
        "transactions.jsonl", "communications.jsonl", "ownership_links.jsonl", "patterns.jsonl",
    }  # fmt: skip


def test_parquet_bytes_identical_across_processes(tmp_path):
    outs = []
    for i, hash_seed in enumerate(("1", "99")):
        out = tmp_path / f"p{i}"
        args = ["generate", "--out", str(out), "--quiet", "--format", "parquet", *COUNTS]
        _run(CLI_CHILD, args, hash_seed, None, tmp_path)
        outs.append(_digests(out))
    assert outs[0] == outs[1]


def test_different_seed_differs(reference, tmp_path):
    digests, _ = reference
    out = tmp_path / "other"
    _run(
        CLI_CHILD,
        ["generate", "--out", str(out), "--seed", "43", "--quiet", *COUNTS],
        "0",
        None,
        tmp_path,
    )
    other = _digests(out)
    for name in ("persons.jsonl", "accounts.jsonl", "transactions.jsonl", "communications.jsonl"):
        assert other[name] != digests[name]


def test_generator_creation_order_does_not_matter(tmp_path):
    names = ["PersonGenerator", "CompanyGenerator", "AccountGenerator", "TransactionGenerator",
             "CommunicationGenerator"]  # fmt: skip
    forward, _ = _run(GENERATORS_CHILD, names, "1", None, tmp_path)
    backward, today = _run(GENERATORS_CHILD, names[::-1], "777", FAKES[-1], tmp_path)
    assert today == FAKE_DAY
    assert forward == backward and len(forward.splitlines()) == 5
    alone, _ = _run(GENERATORS_CHILD, ["TransactionGenerator"], "2", None, tmp_path)
    assert alone.strip() in forward.splitlines()
