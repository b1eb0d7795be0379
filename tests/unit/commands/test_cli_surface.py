"""One command-line surface: every option says what it is and its default, a setting has the
same name, help and default wherever it appears, and the environment is read in one module."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from banking import defaults
from banking.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
FLAGS = (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._VersionAction)


def _commands(
    parser: argparse.ArgumentParser, path: str = "banking"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, f"{path} {name}")


def _options() -> Iterator[tuple[str, argparse.Action, str]]:
    for path, parser in _commands(build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._HelpAction):
                continue
            yield path, action, formatter._expand_help(action) if action.help else ""


def test_every_option_has_help_and_states_its_default():
    missing = [
        f"{path} {action.option_strings[0]}"
        for path, action, text in _options()
        if not text or not (isinstance(action, FLAGS) or action.required or "default" in text)
    ]
    assert missing == []


def test_a_shared_option_has_one_help_text_and_one_default_everywhere():
    seen: dict[str, set[tuple[str, object]]] = {}
    for _path, action, text in _options():
        if action.option_strings[0] in (
            "--gremlin",
            "--bootstrap",
            "--in-flight",
            "--topic-prefix",
        ):
            seen.setdefault(action.option_strings[0], set()).add((text, action.default))
    assert set(seen) == {"--gremlin", "--bootstrap", "--in-flight", "--topic-prefix"}
    assert {name: len(variants) for name, variants in seen.items()} == dict.fromkeys(seen, 1)


def test_every_batch_size_names_its_unit():
    units = {
        f"{path} {action.option_strings[0]}": text
        for path, action, text in _options()
        if "batch" in action.option_strings[0]
    }
    assert "elements" in units["banking load --batch-size"]
    assert "events" in units["banking stream consume --batch-size"]
    assert "records" in units["banking stream produce --read-batch"]
    assert "bytes" in units["banking stream produce --batch-bytes"]
    assert len(units) == 4


def test_the_graph_batch_size_has_one_default():
    """The command's default is the loader's and the repository's (they cannot import the
    constant's module cheaply the other way round, so this test ties them)."""
    loader = pytest.importorskip("banking.graph.loader")
    repository = pytest.importorskip("banking_repository.graph_repository")
    load = build_parser().parse_args(["load", "x"])
    assert load.batch_size == defaults.GRAPH_BATCH_SIZE
    assert (
        inspect.signature(loader.load_dataset).parameters["batch_size"].default == load.batch_size
    )
    assert repository.DEFAULT_BATCH_SIZE == defaults.GRAPH_BATCH_SIZE


def test_the_environment_is_read_in_one_module():
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "banking").rglob("*.py")
        if re.search(r"os\.environ|getenv\(", path.read_text())
    )
    assert readers == ["banking/services/settings.py"]


def test_endpoints_come_from_the_option_then_the_environment_then_the_local_services():
    from banking.services.settings import gremlin_url, kafka_bootstrap

    env = {"GREMLIN_URL": "ws://g:1/gremlin", "KAFKA_BOOTSTRAP": "k:2"}
    assert gremlin_url("ws://o:3/gremlin", env) == "ws://o:3/gremlin"
    assert gremlin_url(None, env) == "ws://g:1/gremlin"
    assert gremlin_url(None, {}) == "ws://127.0.0.1:8182/gremlin"
    assert kafka_bootstrap("o:4", env) == "o:4"
    assert kafka_bootstrap(None, env) == "k:2"
    assert kafka_bootstrap(None, {}) == "127.0.0.1:9092"
