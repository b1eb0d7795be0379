"""A throw-away git repository for the instruction-count experiment (issue 14, item 6): the tiny
package of experiment_repo.py, now with an instruction-count twin of its timing benchmark
(benchmarks/instructions.py, copied as is), and a history where one commit makes a pure-Python
path about 3% slower without moving any allocation or byte counter, and one makes it about 3%
faster.

Commits after ``base`` (positions 1..10, all on ``main``):

 1 (a) docs only            6 code, neutral (another module)
 2 code, neutral            7 tests only
 3 notes only               8 code, neutral            <- end of the published range (8 commits)
 4 code, neutral (docstring) 9 (c) ~3% faster: a redundant abs() dropped, tables read as locals
 5 (b) ~3% slower: a debug checksum in the loop (same output, no new live object)
10 (d) docs only

The percentages were calibrated with callgrind (tests/tools/test_instruction_experiment.py
prints the measured ratios): the slowdown is 1.033x and the speed-up 0.97x in instructions.

The package lives in ``src/`` (one of benchgate.commits.CODE_PATHS, as in this repository), so
the finder's notion of a code commit applies unchanged.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from experiment_repo import ALLOCATIONS_BENCH, _commit, _git, asv_conf

HARNESS = Path(__file__).resolve().parents[2] / "benchmarks" / "instructions.py"

GENERATOR = '''"""Tiny stand-in for banking.data_generators.core.PersonGenerator{doc}."""

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
{locals}{check_init}        for i in range(n):
{check}            state = (state * 6364136223846793005 + 1442695040888963407) & {mask}
            out.append(
                {{
                    "person_id": i,
                    "first_name": {first}[state & 7],
                    "last_name": {last}[(state >> 3) & 7],
                    "age": 18 + (state >> 8) % 70,
                    "risk": {risk},
                }}
            )
        return out
'''

BASE = {
    "doc": "",
    "locals": "",
    "check_init": "",
    "check": "",
    "mask": "MASK",
    "first": "FIRST",
    "last": "LAST",
    "risk": "abs((state >> 20) % 1000)",
}
# (b): a running checksum nobody reads: pure CPU, same output, no object outlives an iteration.
SLOW = {**BASE, "check_init": "        check = 0\n", "check": "            check ^= i\n"}
# (c): abs() of a non-negative remainder dropped; the module tables read through locals.
FAST = {
    **SLOW,
    "locals": "        first, last, mask = FIRST, LAST, MASK\n",
    "mask": "mask",
    "first": "first",
    "last": "last",
    "risk": "(state >> 20) % 1000",
}

BENCH = (
    '''import time
import tracemalloc

from . import instructions


class PersonGenerate:
    """CPU time (process_time) of one batch: shown by the gate, decided by the twin below."""

    params = [4000]
    param_names = ["n"]
    timer = time.process_time
    rounds = 2
    repeat = (3, 6, 0.3)
    warmup_time = 0.02

    def setup(self, n):
        from tinybank import PersonGenerator

        self.gen = PersonGenerator(seed=7)

    def time_generate_batch(self, n):
        self.gen.generate_batch(n)


class PersonGenerateInstructions(instructions.Twin):
    """Instructions of PersonGenerate's timed call under callgrind: exact."""

    target = PersonGenerate
    ops = ("generate_batch",)

    def setup_cache(self):
        return self.measure()


'''
    + ALLOCATIONS_BENCH
)


def generator(variant: dict, doc: str = "") -> str:
    return GENERATOR.format(**{**variant, "doc": doc})


@dataclass(frozen=True)
class InstructionExperiment:
    root: Path
    base: str
    commits: list[str]  # positions 1..10

    def at(self, position: int) -> str:
        return self.base if position == 0 else self.commits[position - 1]


def build(root: Path) -> InstructionExperiment:
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    conf = asv_conf()
    # asv publish: instruction counts list a jump of 1%, the rest 10% (re.match on the entry
    # name; asv takes the largest matching threshold, so the 10% must not match the counts).
    conf["regressions_thresholds"] = {
        r"(?!.*Instructions\.track_instructions_)": 0.1,
        r".*Instructions\.track_instructions_": 0.01,
    }
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "tinybank"\nversion = "0.1.0"\n\n'
        '[tool.setuptools]\npackages = ["tinybank"]\npackage-dir = {"" = "src"}\n',
        "src/tinybank/__init__.py": generator(BASE),
        "benchmarks/__init__.py": "",
        "benchmarks/bench_people.py": BENCH,
        "benchmarks/instructions.py": HARNESS.read_text(encoding="utf-8"),
        "asv.conf.json": json.dumps(conf, indent=2),
        ".gitignore": ".asv/\nresults/\nhtml/\n",
        "README.md": "# tinybank\n",
    }
    base = _commit(root, files, "base: tinybank with an asv suite and instruction twins")
    steps: list[tuple[dict[str, str], str]] = [
        ({"README.md": "# tinybank\n\nUsage: PersonGenerator(seed).generate_batch(n).\n"}, "a"),
        ({"src/tinybank/formats.py": "SEPARATOR = ','\n"}, "code, neutral: a formats module"),
        ({"notes/plan.txt": "benchmarks next\n"}, "notes only"),
        ({"src/tinybank/__init__.py": generator(BASE, " (revised)")}, "code, neutral: docstring"),
        ({"src/tinybank/__init__.py": generator(SLOW, " (revised)")}, "b"),
        ({"src/tinybank/formats.py": "SEPARATOR = ';'\n"}, "code, neutral: separator"),
        ({"tests/test_tinybank.py": "def test_nothing():\n    pass\n"}, "tests only"),
        ({"src/tinybank/formats.py": "SEPARATOR = ';'\nQUOTE = '\"'\n"}, "code, neutral: quote"),
        ({"src/tinybank/__init__.py": generator(FAST, " (revised)")}, "c"),
        ({"README.md": "# tinybank\n\nSee docs.\n"}, "d"),
    ]
    names = {
        "a": "(a) docs only",
        "b": "(b) a debug checksum in the generation loop (~3% slower, same output)",
        "c": "(c) drop a redundant abs() and read the name tables as locals (~3% faster)",
        "d": "(d) docs only",
    }
    commits = []
    for i, (changed, msg) in enumerate(steps, start=1):
        commits.append(_commit(root, changed, f"c{i}: {names.get(msg, msg)}"))
    return InstructionExperiment(root, base, commits)


def have_tools() -> str | None:
    """Why the experiment cannot run here, or None."""
    for tool in ("valgrind", "cc", "setarch", "git"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (CI installs valgrind and a C compiler)"
    if not HARNESS.exists():
        return f"{HARNESS} is missing"
    return None
