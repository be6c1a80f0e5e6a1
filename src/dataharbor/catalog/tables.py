"""Imports every module that defines catalog tables, so one MetaData holds the whole schema."""

from dataharbor.catalog import dedup_index, models  # noqa: F401
