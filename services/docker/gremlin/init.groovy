// Written by banking.services; runs once when Gremlin Server starts.
graph.createIndex('entity_id', Vertex.class)
graph.createIndex('edge_id', Edge.class)
def globals = [:]
globals << [g : traversal().withEmbedded(graph)]
