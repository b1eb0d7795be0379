"""JanusGraph and Cassandra settings, configs, command lines and status, without servers."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import yaml

from banking.errors import UsageError
from banking.services import cassandra, cql, janusgraph, launch, manager, render
from banking.services.parsing import parse_engines
from banking.services.settings import GRAPH_FILE, ServiceSettings, recorded_graph
from banking.services.startup import _rejoining


def _settings(tmp_path: Path, nodes: int = 1, **kw: object) -> ServiceSettings:
    return ServiceSettings(
        state_dir=tmp_path / "state",
        janusgraph_port=8312,
        cassandra_port=9342,
        cassandra_storage_port=7342,
        cassandra_jmx_port=7343,
        cassandra_nodes=nodes,
        graph_engines=("janusgraph",),
        **kw,  # type: ignore[arg-type]
    )


def test_defaults_and_environment(tmp_path: Path) -> None:
    # An empty state folder of the test's own: the default one records what `up` started (CI has
    # both engines up while the tests run).
    own = {"BANKING_SERVICES_STATE": str(tmp_path)}
    settings = ServiceSettings.from_env(own)
    assert settings.janusgraph_url == "ws://127.0.0.1:8184/gremlin"
    assert (settings.cassandra_port, settings.cassandra_storage_port) == (9042, 7000)
    assert settings.cassandra_jmx_port == 7199 and settings.cassandra_nodes == 1
    assert settings.graph_engines == ("tinkergraph",) and settings.services == ("gremlin", "kafka")
    env = {**own, "JANUSGRAPH_PORT": "8312", "CASSANDRA_NODES": "3", "CASSANDRA_HEAP": "1G"}
    settings = ServiceSettings.from_env(env)
    assert settings.janusgraph_port == 8312 and settings.cassandra_nodes == 3
    assert settings.cassandra_heap == "1g"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CASSANDRA_NODES": "4"}, "CASSANDRA_NODES must be between 1 and 3"),
        ({"CASSANDRA_NODES": "x"}, "CASSANDRA_NODES must be a number"),
        ({"JANUSGRAPH_PORT": "8182"}, "must all differ"),
        ({"CASSANDRA_JMX_PORT": "0"}, "CASSANDRA_JMX_PORT must be between"),
        ({"JANUSGRAPH_HEAP": "lots"}, "JANUSGRAPH_HEAP must look like"),
    ],
)
def test_bad_settings_are_one_line_usage_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ServiceSettings.from_env(env)


def test_engines_parse_in_a_fixed_order() -> None:
    assert parse_engines("janusgraph, TinkerGraph", "--graph") == ("tinkergraph", "janusgraph")
    with pytest.raises(UsageError, match="--graph must name graph engines"):
        parse_engines("neo4j", "--graph")
    with pytest.raises(UsageError, match="--graph"):
        parse_engines(",", "--graph")


def test_three_nodes_share_ports_on_their_own_addresses(tmp_path: Path) -> None:
    settings = _settings(tmp_path, nodes=3)
    nodes = settings.cassandra_layout
    assert [n.name for n in nodes] == ["cassandra-1", "cassandra-2", "cassandra-3"]
    assert [n.endpoint for n in nodes] == [f"127.0.0.{i}:9342" for i in (1, 2, 3)]
    assert [n.jmx_port for n in nodes] == [7343, 7344, 7345]
    assert settings.unit_names("janusgraph") == (*(n.name for n in nodes), "janusgraph")
    assert launch.bindings(settings, "cassandra-2") == (
        ("127.0.0.2", 9342),
        ("127.0.0.2", 7342),
        ("127.0.0.1", 7344),
    )
    assert settings.graph_replication == 3 and _settings(tmp_path).graph_replication == 1
    assert settings.lib_dir("cassandra-3").name == "cassandra"


def test_the_jmx_ports_of_a_cluster_must_not_collide(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="must all differ"):
        _settings(tmp_path, nodes=3, gremlin_port=7345)


def test_the_recorded_layout_is_read_back(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    assert recorded_graph(state) == (None, None)
    (state / GRAPH_FILE).write_text(json.dumps({"engines": ["janusgraph"], "cassandra_nodes": 3}))
    assert recorded_graph(state) == (("janusgraph",), 3)
    (state / GRAPH_FILE).write_text('{"engines": ["nope"]}')
    assert recorded_graph(state) == (None, None)


def test_janusgraph_properties_list_every_node_and_keep_quorum(tmp_path: Path) -> None:
    text = render.janusgraph_properties(_settings(tmp_path, nodes=3))
    lines = text.splitlines()
    assert [ln for ln in lines if ln.startswith("storage.hostname=")] == [
        f"storage.hostname=127.0.0.{i}" for i in (1, 2, 3)
    ]
    for line in (
        "storage.backend=cql",
        "storage.port=9342",
        "storage.cql.replication-factor=3",
        "storage.cql.read-consistency-level=QUORUM",
        "storage.cql.write-consistency-level=QUORUM",
        "graph.set-vertex-id=true",
        "graph.allow-custom-vid-types=true",
    ):
        assert line in lines
    assert "schema-agreement.timeout = 120 seconds" in text


def test_janusgraph_server_yaml_binds_loopback_with_janusgraph_io(tmp_path: Path) -> None:
    conf = tmp_path / "conf dir"
    data = yaml.safe_load(render.janusgraph_server_yaml(_settings(tmp_path), conf))
    assert data["host"] == "127.0.0.1" and data["port"] == 8312
    assert data["graphs"]["graph"] == str(conf / "janusgraph.properties")
    binary = data["serializers"][0]
    assert binary["className"].endswith("GraphBinaryMessageSerializerV1")
    assert binary["config"]["ioRegistries"] == [
        "org.janusgraph.graphdb.tinkerpop.JanusGraphIoRegistry"
    ]
    plugins = data["scriptEngines"]["gremlin-groovy"]["plugins"]
    files = plugins["org.apache.tinkerpop.gremlin.jsr223.ScriptFileGremlinPlugin"]["files"]
    assert files == [str(conf / "init.groovy")]


def test_cassandra_yaml_per_node(tmp_path: Path) -> None:
    settings = _settings(tmp_path, nodes=3)
    node = settings.cassandra_node("cassandra-2")
    data = yaml.safe_load(cassandra.cassandra_yaml(settings, node, tmp_path / "n2"))
    assert data["listen_address"] == data["rpc_address"] == "127.0.0.2"
    assert data["native_transport_port"] == 9342 and data["storage_port"] == 7342
    seeds = data["seed_provider"][0]["parameters"][0]["seeds"]
    assert seeds == "127.0.0.1:7342,127.0.0.2:7342,127.0.0.3:7342"
    assert data["data_file_directories"] == [str(tmp_path / "n2" / "data")]
    tokens = {cassandra.initial_token(i, 3) for i in (1, 2, 3)}
    assert len(tokens) == 3 and min(tokens) == -(2**63) and max(tokens) < 2**63


def test_command_lines_carry_markers_heaps_and_the_delimiter(tmp_path: Path) -> None:
    settings = _settings(tmp_path, nodes=3, janusgraph_heap="640m", cassandra_heap="700m")
    node = launch.prepare(settings, "cassandra-3", keep_data=True)
    assert "-Dbanking.services.name=cassandra-3" in node and "-Xmx700m" in node
    assert f"-Dbanking.services.state={settings.state_dir}" in node
    assert "-Dcassandra.jmx.local.port=7345" in node and node[-1] == cassandra.MAIN
    assert "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED" in node
    server = launch.prepare(settings, "janusgraph")
    assert "-DJANUSGRAPH_RELATION_DELIMITER=|" in server and "-Xmx640m" in server
    assert server[-2:] == [
        janusgraph.MAIN,
        str(settings.state_dir / "janusgraph/conf/janusgraph-server.yaml"),
    ]
    conf = settings.state_dir / "janusgraph" / "conf"
    assert {p.name for p in conf.iterdir()} == {
        "janusgraph.properties",
        "init.groovy",
        "log4j2.xml",
        "janusgraph-server.yaml",
    }


def test_a_fresh_node_loses_its_data_a_rejoining_one_keeps_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    data = settings.service_dir("cassandra") / "data"
    data.mkdir(parents=True)
    (data / "x").write_text("kept")
    launch.prepare(settings, "cassandra", keep_data=True)
    assert (data / "x").is_file()
    launch.prepare(settings, "cassandra", keep_data=False)
    assert not data.exists()


def test_a_node_rejoins_while_others_of_its_service_run(tmp_path: Path) -> None:
    settings = _settings(tmp_path, nodes=3)
    names = settings.unit_names("janusgraph")
    assert _rejoining(settings, "janusgraph", names, ["cassandra-2"]) == ["cassandra-2"]
    assert _rejoining(settings, "janusgraph", names, list(names)) == []
    single = _settings(tmp_path)
    # JanusGraph still runs over a lost single node: its graph is that node's data.
    assert _rejoining(single, "janusgraph", single.unit_names("janusgraph"), ["cassandra"]) == [
        "cassandra"
    ]


def test_env_names_janusgraph_when_it_is_an_engine(tmp_path: Path) -> None:
    assert "export JANUSGRAPH_URL=ws://127.0.0.1:8312/gremlin" in manager.env_lines(
        _settings(tmp_path)
    )
    plain = ServiceSettings(state_dir=tmp_path / "s")
    assert not any("JANUSGRAPH" in line for line in manager.env_lines(plain))


def test_status_lines_say_when_a_node_does_not_answer(tmp_path: Path) -> None:
    settings = _settings(tmp_path, nodes=3)  # nothing listens on these ports
    lines = cassandra.with_ring(
        settings,
        [
            "cassandra-1: up           pid 1  127.0.0.1:9342",
            "cassandra-2: down         127.0.0.2:9342",
            "janusgraph: up           pid 3",
        ],
    )
    assert lines[0].endswith("no CQL answer") and lines[1].endswith("127.0.0.2:9342")
    assert lines[-1] == "ring:    0/3 Cassandra nodes joined"


def _rows_frame(rows: list[list[bytes | None]], kinds: list[int]) -> bytes:
    out = struct.pack(">iii", cql.RESULT_ROWS, 0x0001, len(kinds))
    out += cql._string("system") + cql._string("peers")
    for i, kind in enumerate(kinds):
        out += cql._string(f"c{i}") + struct.pack(">H", kind)
    out += struct.pack(">i", len(rows))
    for row in rows:
        for cell in row:
            out += struct.pack(">i", -1) if cell is None else struct.pack(">i", len(cell)) + cell
    return out


def test_cql_rows_of_text_and_inet_columns() -> None:
    frame = _rows_frame([[bytes([127, 0, 0, 2]), b"COMPLETED"], [None, b"x"]], [0x10, 0x0D])
    assert cql._rows(frame) == [["127.0.0.2", "COMPLETED"], [None, "x"]]
    with pytest.raises(cql.CqlError, match="not supported"):
        cql._rows(_rows_frame([], [0x03]))
    assert cql.RingView("COMPLETED", ()).joined and not cql.RingView("IN_PROGRESS", ()).joined
    assert cql.answers("127.0.0.1", 1) is None


def test_a_graph_that_did_not_open_is_read_from_the_log() -> None:
    log = (
        "INFO starting\n"
        "WARN DefaultGraphManager - Graph [graph] configured at [x] could not be instantiated "
        "and will not be available in Gremlin Server.\n"
        "Caused by: java.lang.reflect.InvocationTargetException: wrapped\n"
        "Caused by: com.datastax.oss.driver.api.core.servererrors.InvalidQueryException: "
        "table edgestore does not exist\n"
        "WARN GremlinGroovyScriptEngine - Script compilation failed\n"
        "Caused by: groovy.lang.MissingPropertyException: No such property: graph\n"
    )
    assert janusgraph.graph_failure(log) == "InvalidQueryException: table edgestore does not exist"
    assert janusgraph.graph_failure("INFO Channel started at port 8184.") is None
