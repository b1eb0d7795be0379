"""Ports, heaps and state folder read from the environment, with one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from banking.errors import UsageError
from banking.services.settings import ServiceSettings, parse_heap, parse_port


def test_defaults_are_the_documented_endpoints() -> None:
    settings = ServiceSettings.from_env({})
    assert settings.gremlin_url == "ws://127.0.0.1:8182/gremlin"
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.kafka_controller_port == 9093
    assert settings.state_dir.name == "state"
    assert settings.state_dir.parent.name == "services"


def test_ports_and_state_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "GREMLIN_PORT": "8283",
        "KAFKA_PORT": " 9192 ",
        "BANKING_SERVICES_STATE": str(tmp_path / "x"),
        "GREMLIN_HEAP": "512M",
    }
    settings = ServiceSettings.from_env(env)
    assert settings.gremlin_url == "ws://127.0.0.1:8283/gremlin"
    assert settings.kafka_bootstrap == "127.0.0.1:9192"
    assert settings.kafka_controller_port == 9193
    assert settings.state_dir == (tmp_path / "x").resolve()
    assert settings.gremlin_heap == "512m"
    assert settings.service_dir("kafka") == (tmp_path / "x" / "kafka").resolve()


def test_controller_port_can_be_set_explicitly() -> None:
    settings = ServiceSettings.from_env({"KAFKA_PORT": "9192", "KAFKA_CONTROLLER_PORT": "9300"})
    assert settings.kafka_controller_port == 9300


@pytest.mark.parametrize("value", ["0", "65536", "-1", "abc", "", "80.5"])
def test_bad_ports_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError, match="GREMLIN_PORT"):
        ServiceSettings.from_env({"GREMLIN_PORT": value})


def test_parse_port_accepts_the_full_range() -> None:
    assert parse_port("1", "P") == 1
    assert parse_port("65535", "P") == 65535


def test_colliding_ports_are_refused() -> None:
    with pytest.raises(UsageError, match="must all differ"):
        ServiceSettings.from_env({"GREMLIN_PORT": "9093", "KAFKA_PORT": "9092"})


def test_top_port_needs_an_explicit_controller_port() -> None:
    with pytest.raises(UsageError, match="KAFKA_CONTROLLER_PORT"):
        ServiceSettings.from_env({"KAFKA_PORT": "65535"})


@pytest.mark.parametrize("value", ["1x", "g", "0m", "-1g", "1.5g"])
def test_bad_heaps_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError, match="KAFKA_HEAP"):
        parse_heap(value, "KAFKA_HEAP")


def test_bad_timeout_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="BANKING_SERVICES_TIMEOUT"):
        ServiceSettings.from_env({"BANKING_SERVICES_TIMEOUT": "0"})
