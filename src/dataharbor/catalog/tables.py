"""Imports every module that defines catalog tables, so one MetaData holds the whole schema."""

from dataharbor.catalog import models  # noqa: F401

try:  # the dedup index lives beside the catalog tables
    from dataharbor.catalog import dedup_index  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover - only while the module is being written
    pass
