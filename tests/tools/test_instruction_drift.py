"""tools/instruction_drift.py: the machine-change comparison of instruction counts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import instruction_drift

ROOT = Path(__file__).resolve().parents[2]
MACHINE = "polyglot-2c24g"


def _a_commit_with_counts() -> Path:
    for path in sorted((ROOT / "results" / MACHINE).glob("*-*.json")):
        if "track_instructions_" in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError("the committed history has no instruction counts")


def _copy(tmp: Path, scale: float) -> Path:
    """A results directory holding one committed commit, its first count scaled."""
    src = _a_commit_with_counts()
    other = tmp / "other"
    (other / MACHINE).mkdir(parents=True)
    shutil.copy(ROOT / "results" / "benchmarks.json", other / "benchmarks.json")
    shutil.copy(ROOT / "results" / MACHINE / "machine.json", other / MACHINE / "machine.json")
    data = json.loads(src.read_text(encoding="utf-8"))
    at = data["result_columns"].index("result")
    name = next(n for n in sorted(data["results"]) if ".track_instructions_" in n)
    values = data["results"][name][at]
    values[0] = values[0] * scale
    (other / MACHINE / src.name).write_text(json.dumps(data), encoding="utf-8")
    return other


def test_the_same_counts_do_not_drift(tmp_path: Path, capsys) -> None:
    assert instruction_drift.main([str(_copy(tmp_path, 1.0))]) == 0
    assert "largest difference over 1 commits: 0.0000%" in capsys.readouterr().out


def test_a_count_one_percent_off_is_past_the_limit_and_named(tmp_path: Path, capsys) -> None:
    assert instruction_drift.main([str(_copy(tmp_path, 1.01))]) == 1
    out = capsys.readouterr().out
    assert "1.0000%" in out and "track_instructions_" in out


def test_no_results_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    assert instruction_drift.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
