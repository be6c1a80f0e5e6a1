"""Blob store (content-addressed raw files) and Parquet shards of dataset versions, behind fsspec."""
