"""docker-compose.yml stays equivalent to services/run.sh: versions, configs, loopback ports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from banking.services import render
from banking.services.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[3]
CONTAINER_CONF = Path("/opt/gremlin-server/conf/banking")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _pom_property(name: str) -> str:
    match = re.search(rf"<{name}>([^<]+)</{name}>", (ROOT / "services" / "pom.xml").read_text())
    assert match is not None
    return match.group(1)


def test_images_match_the_maven_versions() -> None:
    services = _compose()["services"]
    assert (
        services["gremlin"]["image"]
        == f"tinkerpop/gremlin-server:{_pom_property('tinkerpop.version')}"
    )
    assert services["kafka"]["image"] == f"apache/kafka:{_pom_property('kafka.version')}"
    assert services["janusgraph"]["profiles"] == ["janusgraph"]


def test_every_published_port_is_on_loopback() -> None:
    ports = [port for svc in _compose()["services"].values() for port in svc.get("ports", [])]
    assert ports
    assert all(port.startswith("127.0.0.1:") for port in ports)


def test_container_gremlin_configs_are_the_rendered_ones() -> None:
    conf = ROOT / "services" / "docker" / "gremlin"
    expected = {
        "gremlin-server.yaml": render.gremlin_server_yaml(
            ServiceSettings(), CONTAINER_CONF, host="0.0.0.0"
        ),
        "tinkergraph.properties": render.tinkergraph_properties(),
        "init.groovy": render.init_script(),
    }
    for name, text in expected.items():
        assert (conf / name).read_text() == text, f"re-render services/docker/gremlin/{name}"
