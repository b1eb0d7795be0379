"""Encoding a request ahead of sending it gives the bytes the plain path would, once."""

from gremlin_python.driver.request import RequestMessage
from gremlin_python.driver.serializer import GraphBinarySerializersV1
from gremlin_python.process.anonymous_traversal import traversal
from gremlin_python.structure.graph import Graph

from banking_repository import upserts
from banking_repository.connection import _AheadSerializer
from banking_repository.fast_writer import FastGraphBinaryWriter

REQUEST_ID = "6f1c2b9e-3a0d-4f7e-9b1a-2c3d4e5f6a7b"


def _request() -> RequestMessage:
    items = upserts.vertex_items("person", [{"entity_id": "PER-1", "name": "Zoë", "age": 7}])
    bytecode = upserts.upsert_vertices(traversal().with_graph(Graph()), items).bytecode
    args = {"gremlin": bytecode, "aliases": {"g": "g"}, "requestId": REQUEST_ID}
    return RequestMessage(processor="traversal", op="bytecode", args=args)


def test_ahead_bytes_equal_the_plain_encoding_and_are_used_once():
    plain = GraphBinarySerializersV1(writer=FastGraphBinaryWriter())
    expected = plain.serialize_message(REQUEST_ID, _request())
    ahead = _AheadSerializer()
    request = _request()
    ahead.encode_ahead(request)
    assert ahead._encoded  # held until sent
    assert ahead.serialize_message(REQUEST_ID, request) == expected
    assert not ahead._encoded  # taken, not kept
    assert ahead.serialize_message(REQUEST_ID, request) == expected  # plain path again


def test_requests_that_are_never_sent_are_forgotten():
    ahead = _AheadSerializer()
    request = _request()
    ahead.encode_ahead(request)
    ahead.forget(request)
    assert not ahead._encoded
    ahead.encode_ahead(request)
    ahead.discard()
    assert not ahead._encoded
