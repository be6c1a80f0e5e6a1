"""The processing engine: stages over batches of records, run by an executor."""
