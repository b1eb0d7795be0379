"""asv benchmark suite of banking-graph-bench (one module per area; shared fixtures in common)."""
