"""Rendered configs: loopback only, the requested ports, both serializers, indexed natural keys."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from banking.services import render
from banking.services.settings import ServiceSettings


def _settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        gremlin_port=18182, kafka_port=19092, kafka_controller_port=19100, state_dir=tmp_path
    )


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value for key, value in pairs}


def test_gremlin_yaml_binds_loopback_with_both_serializer_families(tmp_path: Path) -> None:
    conf = tmp_path / "odd dir: #1" / "conf"
    parsed = yaml.safe_load(render.gremlin_server_yaml(_settings(tmp_path), conf))
    assert parsed["host"] == "127.0.0.1"
    assert parsed["port"] == 18182
    assert parsed["graphs"] == {"graph": str(conf / "tinkergraph.properties")}
    classes = [s["className"].rsplit(".", 1)[1] for s in parsed["serializers"]]
    assert "GraphBinaryMessageSerializerV1" in classes
    assert "GraphSONMessageSerializerV3" in classes
    assert parsed["maxContentLength"] >= 10 * 1024 * 1024
    assert parsed["evaluationTimeout"] > 0
    plugins = parsed["scriptEngines"]["gremlin-groovy"]["plugins"]
    script_plugin = plugins["org.apache.tinkerpop.gremlin.jsr223.ScriptFileGremlinPlugin"]
    assert script_plugin["files"] == [str(conf / "init.groovy")]


def test_init_script_indexes_natural_keys_and_binds_g() -> None:
    script = render.init_script()
    assert "graph.createIndex('entity_id', Vertex.class)" in script
    assert "graph.createIndex('edge_id', Edge.class)" in script
    assert "globals << [g :" in script


def test_tinkergraph_replaces_property_values_on_upsert() -> None:
    props = _properties(render.tinkergraph_properties())
    assert props["gremlin.graph"].endswith("TinkerGraph")
    assert props["gremlin.tinkergraph.defaultVertexPropertyCardinality"] == "single"


def test_kafka_is_a_single_kraft_node_on_loopback(tmp_path: Path) -> None:
    props = _properties(render.kafka_server_properties(_settings(tmp_path), tmp_path / "data"))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19100"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19100"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"


def test_cluster_id_is_a_stable_16_byte_id_per_state_folder(tmp_path: Path) -> None:
    first = render.kafka_cluster_id(_settings(tmp_path))
    assert first == render.kafka_cluster_id(_settings(tmp_path))
    assert len(first) == 22
    assert len(base64.urlsafe_b64decode(first + "==")) == 16
    assert first != render.kafka_cluster_id(_settings(tmp_path / "other"))


def test_cluster_id_never_starts_with_a_dash(tmp_path: Path) -> None:
    # About one state folder in 64 hashes to an id starting with "-", which the storage tool
    # would parse as an option; 1,000 folders all but certainly include such cases.
    ids = [render.kafka_cluster_id(_settings(tmp_path / str(i))) for i in range(1000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(i) == 22 for i in ids)
