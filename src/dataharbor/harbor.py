"""The running platform's handles: settings, catalog and store, opened once at an edge (CLI, API)."""

from __future__ import annotations

from dataclasses import dataclass

from dataharbor.catalog.db import Catalog, is_current, migrate
from dataharbor.config import Settings
from dataharbor.errors import ConfigError
from dataharbor.store.blobs import BlobStore
from dataharbor.store.keys import open_keyring


@dataclass
class Harbor:
    settings: Settings
    catalog: Catalog
    store: BlobStore

    @classmethod
    def open(cls, settings: Settings, *, create: bool = False) -> Harbor:
        """Open the platform; with `create`, make the home folder and migrate the catalog first."""
        if create:
            settings.resolved_home.mkdir(parents=True, exist_ok=True)
            migrate(settings.catalog_url)
        elif not settings.database_url and not (settings.resolved_home / "catalog.db").exists():
            raise ConfigError(
                f"No DataHarbor catalog in '{settings.resolved_home}': run `dataharbor init` first "
                "(or set DATAHARBOR_HOME)",
                home=str(settings.resolved_home),
            )
        catalog = Catalog(settings.catalog_url)
        if not create and not is_current(catalog.engine):
            catalog.dispose()
            raise ConfigError("The catalog schema is out of date: run `dataharbor init` to migrate it")
        return cls(settings, catalog, BlobStore(settings.resolved_store_url, open_keyring(settings)))

    def close(self) -> None:
        self.catalog.dispose()
