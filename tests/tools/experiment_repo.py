"""A throw-away git repository for the gate experiment: a tiny dependency-free package with a
PersonGenerator-like ``generate_batch``, an asv suite over it, and a branch of 8 commits where
exactly one makes generation about 30% slower and one only touches docs.

Self-contained rather than the project's real generator: an asv virtualenv of the real project
needs numpy/faker/pydantic installed per environment (network, minutes), and the history of
main would change what "the slow commit" is measured against. The tiny package builds and
installs offline in about a second per commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PY = f"{sys.version_info.major}.{sys.version_info.minor}"

GENERATOR = '''"""Tiny stand-in for banking.data_generators.core.PersonGenerator."""

FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")
MASK = (1 << 64) - 1


class PersonGenerator:
    """Deterministic persons from a 64-bit LCG (same seed, same output)."""

    def __init__(self, seed: int = 42) -> None:
        self.seed = seed

    def generate_batch(self, n: int) -> list[dict]:
        state = self.seed
        out = []
        for i in range(n):
            state = (state * 6364136223846793005 + 1442695040888963407) & MASK
            out.append(
                {
                    "person_id": i,
                    "first_name": FIRST[state & 7],
                    "last_name": LAST[(state >> 3) & 7],
                    "age": 18 + (state >> 8) % 70,
                    "risk": (state >> 20) % 1000,
                }
            )
        {extra}return out
'''

# The regression: a second pass over the batch deriving a display name (a realistic "enrich
# the records afterwards" change): roughly a third more CPU time, and a higher allocation peak
# (a new string per person and a grown dict), which the deterministic counter sees exactly.
SLOW_PASS = (
    'for r in out:\n            r["name"] = r["first_name"] + " " + r["last_name"]\n        '
)

# The deterministic counter sibling of both experiments' timing benchmark (the instruction
# experiment's slowdown must not move it).
ALLOCATIONS_BENCH = '''
class PersonGenerateAllocations:
    """Deterministic counter sibling of PersonGenerate: tracemalloc peak of one batch."""

    params = [4000]
    param_names = ["n"]
    rounds = 1
    repeat = 1

    def setup(self, n):
        from tinybank import PersonGenerator

        self.gen = PersonGenerator(seed=7)

    def track_alloc_peak_bytes(self, n):
        tracemalloc.start()
        self.gen.generate_batch(n)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    track_alloc_peak_bytes.unit = "bytes"
'''

BENCH = (
    '''import time
import tracemalloc


class PersonGenerate:
    """CPU time (process_time): other processes on a shared machine do not count."""

    params = [4000]
    param_names = ["n"]
    timer = time.process_time
    rounds = 4  # interleaved by the gate: base and head alternate, round by round
    repeat = (3, 6, 0.5)
    warmup_time = 0.02

    def setup(self, n):
        from tinybank import PersonGenerator

        self.gen = PersonGenerator(seed=7)

    def time_generate_batch(self, n):
        self.gen.generate_batch(n)


'''
    + ALLOCATIONS_BENCH
)


def asv_conf() -> dict:
    return {
        "version": 1,
        "project": "tinybank",
        "project_url": "https://example.invalid/tinybank",
        "repo": ".",
        "branches": ["main"],
        "dvcs": "git",
        "environment_type": "virtualenv",
        "pythons": [PY],
        "build_command": [
            "python -m pip wheel --no-deps --no-build-isolation --no-index "
            "-w {build_cache_dir} {build_dir}"
        ],
        # Installing = unzipping the wheel pip built (once per commit, cached): pip itself
        # would cost seconds per commit and asv reinstalls on every interleaved round.
        "install_command": [
            'in-dir={env_dir} python -c "import sys, sysconfig, zipfile; '
            "zipfile.ZipFile(sys.argv[1]).extractall(sysconfig.get_paths()['purelib'])\" "
            "{wheel_file}"
        ],
        "uninstall_command": [
            'return-code=any python -c "import glob, shutil, sysconfig; '
            "[shutil.rmtree(p) for p in glob.glob(sysconfig.get_paths()['purelib'] "
            "+ '/tinybank*')]\""
        ],
        "benchmark_dir": "benchmarks",
        "env_dir": ".asv/env",
        "results_dir": "results",
        "html_dir": "html",
        "build_cache_size": 20,
        "show_commit_url": "https://example.invalid/tinybank/commit/",
        "regressions_thresholds": {".*": 0.1},
    }


@dataclass(frozen=True)
class Experiment:
    root: Path
    base: str
    branch: list[str]
    slow: str
    docs: str


def _git(root: Path, *args: str) -> str:
    env_args = ["-c", "user.name=Gate Experiment", "-c", "user.email=gate@example.invalid"]
    env_args += ["-c", "commit.gpgsign=false"]
    proc = subprocess.run(
        ["git", *env_args, *args], cwd=root, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def _commit(root: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


def build(root: Path, slow_at: int = 5, docs_at: int = 3) -> Experiment:
    """Base commit on main plus an 8-commit branch (positions 1..8), checked out at its tip."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    fast = GENERATOR.replace("{extra}", "")
    base = _commit(
        root,
        {
            "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            '[project]\nname = "tinybank"\nversion = "0.1.0"\n\n'
            '[tool.setuptools]\npackages = ["tinybank"]\npackage-dir = {"" = "src"}\n',
            # under src/: a code path of tools/benchgate/commits.py, as in this repository
            "src/tinybank/__init__.py": fast,
            "benchmarks/__init__.py": "",
            "benchmarks/bench_people.py": BENCH,
            "asv.conf.json": json.dumps(asv_conf(), indent=2),
            ".gitignore": ".asv/\nresults/\nhtml/\n",
            "README.md": "# tinybank\n",
        },
        "base: tinybank with an asv suite",
    )
    _git(root, "checkout", "-q", "-b", "feature")
    generator = fast
    branch: list[str] = []
    for i in range(1, 9):
        if i == slow_at:
            generator = GENERATOR.replace("{extra}", SLOW_PASS)
            files = {"src/tinybank/__init__.py": generator}
            msg = f"c{i}: derive display names in a second pass"
        elif i == docs_at:
            files = {"README.md": f"# tinybank\n\nUsage notes, revision {i}.\n"}
            msg = f"c{i}: docs only"
        else:
            files = {f"notes/change_{i}.txt": f"unrelated change {i}\n"}
            msg = f"c{i}: unrelated file"
        branch.append(_commit(root, files, msg))
    # asv publishes branch "main": the branch under test becomes main's history.
    _git(root, "branch", "-f", "main", "feature")
    return Experiment(root, base, branch, branch[slow_at - 1], branch[docs_at - 1])
