"""Bank -> graph: the element mapping (``mapping``) and the dataset loader (``loader``)."""

from banking.graph.mapping import GraphBatch, to_graph_batch

__all__ = ["GraphBatch", "to_graph_batch"]
