"""docker-compose.yml stays equivalent to services/run.sh: versions, configs, loopback ports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from banking.services import render
from banking.services.settings import (
    DEFAULT_CASSANDRA_PORT,
    DEFAULT_JANUSGRAPH_PORT,
    ServiceSettings,
)

ROOT = Path(__file__).resolve().parents[3]
CONTAINER_CONF = Path("/opt/gremlin-server/conf/banking")
JANUSGRAPH_CONF = Path("/opt/janusgraph/conf/banking")


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
    assert (
        services["janusgraph"]["image"]
        == f"janusgraph/janusgraph:{_pom_property('janusgraph.version')}"
    )
    assert services["cassandra"]["image"] == f"cassandra:{_pom_property('cassandra.version')}"
    assert services["cassandra"]["profiles"] == ["janusgraph"]


def test_janusgraph_runs_the_rendered_configs_on_the_default_port() -> None:
    services = _compose()["services"]
    janus = services["janusgraph"]
    assert janus["ports"] == [f"127.0.0.1:{DEFAULT_JANUSGRAPH_PORT}:{DEFAULT_JANUSGRAPH_PORT}"]
    assert janus["entrypoint"][-1] == str(JANUSGRAPH_CONF / "janusgraph-server.yaml")
    assert (
        f"-DJANUSGRAPH_RELATION_DELIMITER={render.RELATION_DELIMITER}"
        in (janus["environment"]["JAVA_OPTIONS"])
    )
    assert janus["depends_on"]["cassandra"]["condition"] == "service_healthy"
    assert services["cassandra"]["ports"] == [f"127.0.0.1:{DEFAULT_CASSANDRA_PORT}:9042"]
    conf = ROOT / "services" / "docker" / "janusgraph"
    expected = {
        "janusgraph-server.yaml": render.janusgraph_server_yaml(
            ServiceSettings(), JANUSGRAPH_CONF, host="0.0.0.0"
        ),
        "janusgraph.properties": render.janusgraph_properties(
            ServiceSettings(), hosts=("cassandra",)
        ),
        "init.groovy": render.janusgraph_init_script(),
    }
    for name, text in expected.items():
        assert (conf / name).read_text() == text, f"re-render services/docker/janusgraph/{name}"


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
