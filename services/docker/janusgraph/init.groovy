// Written by banking.services from banking.graph.schema; runs once when JanusGraph starts.
import org.janusgraph.core.Cardinality
import org.janusgraph.core.EdgeLabel
import org.janusgraph.core.PropertyKey
import org.apache.tinkerpop.gremlin.tinkergraph.structure.TinkerGraph

def mgmt = graph.openManagement()
[
    ['account_type', String.class, Cardinality.SINGLE],
    ['address', String.class, Cardinality.SINGLE],
    ['amount', Double.class, Cardinality.SINGLE],
    ['balance', Double.class, Cardinality.SINGLE],
    ['bank_country', String.class, Cardinality.SINGLE],
    ['channel', String.class, Cardinality.SINGLE],
    ['city', String.class, Cardinality.SINGLE],
    ['country', String.class, Cardinality.SINGLE],
    ['currency', String.class, Cardinality.SINGLE],
    ['date_of_birth', String.class, Cardinality.SINGLE],
    ['duration_seconds', Long.class, Cardinality.SINGLE],
    ['edge_id', String.class, Cardinality.SINGLE],
    ['email', String.class, Cardinality.SINGLE],
    ['entity_id', String.class, Cardinality.SINGLE],
    ['first_name', String.class, Cardinality.SINGLE],
    ['iban', String.class, Cardinality.SINGLE],
    ['incorporation_date', String.class, Cardinality.SINGLE],
    ['industry', String.class, Cardinality.SINGLE],
    ['is_cross_border', Boolean.class, Cardinality.SINGLE],
    ['is_nominee', Boolean.class, Cardinality.SINGLE],
    ['is_pep', Boolean.class, Cardinality.SINGLE],
    ['is_sanctioned', Boolean.class, Cardinality.SINGLE],
    ['is_shell', Boolean.class, Cardinality.SINGLE],
    ['last_name', String.class, Cardinality.SINGLE],
    ['name', String.class, Cardinality.SINGLE],
    ['nationality', String.class, Cardinality.SINGLE],
    ['opened_date', String.class, Cardinality.SINGLE],
    ['owner_id', String.class, Cardinality.SINGLE],
    ['owner_type', String.class, Cardinality.SINGLE],
    ['pattern_id', String.class, Cardinality.SINGLE],
    ['pct', Double.class, Cardinality.SINGLE],
    ['phone', String.class, Cardinality.SINGLE],
    ['registration_number', String.class, Cardinality.SINGLE],
    ['risk_score', Double.class, Cardinality.SINGLE],
    ['tax_id', String.class, Cardinality.SINGLE],
    ['timestamp', Long.class, Cardinality.SINGLE]
].each { k ->
    if (!mgmt.containsPropertyKey(k[0])) {
        mgmt.makePropertyKey(k[0]).dataType(k[1]).cardinality(k[2]).make()
    }
}
['person', 'company', 'account'].each {
    if (!mgmt.containsVertexLabel(it)) mgmt.makeVertexLabel(it).make()
}
['owns', 'transfer', 'communicated', 'owns_share'].each {
    if (!mgmt.containsEdgeLabel(it)) mgmt.makeEdgeLabel(it).make()
}
if (!mgmt.containsGraphIndex('byEdgeId')) {
    def key = mgmt.getPropertyKey('edge_id')
    mgmt.buildIndex('byEdgeId', Edge.class).addKey(key).buildCompositeIndex()
}
mgmt.commit()

def described = TinkerGraph.open()
def m = graph.openManagement()
m.getRelationTypes(PropertyKey.class).each { k ->
    described.addVertex(T.label, 'property_key', 'name', k.name(),
            'data_type', k.dataType().simpleName, 'cardinality', k.cardinality().name())
}
m.getVertexLabels().each {
    described.addVertex(T.label, 'vertex_label', 'name', it.name())
}
m.getRelationTypes(EdgeLabel.class).each {
    described.addVertex(T.label, 'edge_label', 'name', it.name())
}
m.getGraphIndexes(Edge.class).each { i ->
    def fields = i.getFieldKeys()
    described.addVertex(T.label, 'edge_index', 'name', i.name(),
            'keys', fields*.name().join(','), 'composite', i.isCompositeIndex(),
            'status', i.getIndexStatus(fields[0]).name())
}
m.rollback()

def globals = [:]
globals << [g : graph.traversal(), schema : described.traversal()]
