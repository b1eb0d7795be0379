"""Kafka's data folder on start: wiped by default, kept on request (no JVM is started here)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from banking.errors import ServiceUnavailable, UsageError
from banking.services import cli, launch
from banking.services.settings import ServiceSettings

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")


def _formatted_state(tmp_path: Path) -> tuple[ServiceSettings, Path]:
    settings = ServiceSettings(state_dir=tmp_path, keep_kafka_data=True)
    data = settings.service_dir("kafka") / "data"
    (data / "orders-0").mkdir(parents=True)
    (data / "meta.properties").write_text("cluster.id=x\n")
    (data / "orders-0" / "00000000000000000000.log").write_bytes(b"kept")
    return settings, data


def test_keep_data_keeps_a_formatted_folder_and_skips_the_format(tmp_path: Path) -> None:
    settings, data = _formatted_state(tmp_path)
    command = launch.prepare_kafka(settings)
    assert (data / "orders-0" / "00000000000000000000.log").read_bytes() == b"kept"
    assert command[-1] == str(settings.service_dir("kafka") / "conf" / "server.properties")
    assert launch.KAFKA_MAIN in command


def test_without_keep_data_the_folder_is_wiped(tmp_path: Path) -> None:
    settings, data = _formatted_state(tmp_path)
    settings = replace(settings, keep_kafka_data=False)
    # Without the jars the format step fails (ServiceUnavailable); the wipe has happened first.
    with contextlib.suppress(ServiceUnavailable):
        launch.prepare_kafka(settings)
    assert not (data / "orders-0").exists()


def test_keep_data_is_refused_outside_up() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    with pytest.raises(UsageError, match="--keep-data only applies to up"):
        cli.run(parser.parse_args(["status", "--keep-data"]))
