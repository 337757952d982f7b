"""The run directory: run.json, manifest.jsonl, videos/, scores.parquet."""
