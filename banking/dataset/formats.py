"""The dataset file formats, kept free of heavy imports so the CLI can list them cheaply."""

FORMATS = ("jsonl", "csv", "parquet")
