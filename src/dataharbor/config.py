"""One typed settings object. Nothing else in the project reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """DataHarbor settings, from `DATAHARBOR_*` environment variables (or a `.env` file).

    `home` holds the SQLite catalog and the blob store unless `database_url` / `store_url`
    point elsewhere.
    """

    model_config = SettingsConfigDict(env_prefix="DATAHARBOR_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path("./harbor"), description="Folder for the embedded catalog and store.")
    database_url: str = Field(default="", description="SQLAlchemy URL of the catalog (default: SQLite in home).")
    store_url: str = Field(default="", description="fsspec URL of the blob and version store (default: home/store).")
    store_endpoint_url: str = Field(
        default="", description="Endpoint of an S3-compatible store, e.g. MinIO or Ceph (default: AWS S3)."
    )
    store_region: str = Field(default="", description="Region of the S3 store (default: the AWS SDK's).")
    store_access_key_id: str = Field(
        default="", description="Access key of the S3 store (default: the AWS SDK's chain: environment, profile, role)."
    )
    store_secret_access_key: SecretStr = Field(default=SecretStr(""), description="Secret key of the S3 store.")
    pipeline_config: str = Field(default="", description="Pipeline profiles file (default: the built-in one).")
    profile: str = Field(default="default", description="Pipeline profile used when none is named.")
    executor: str = Field(
        default="process", description="`inline` (in-process), `process` (local pool) or `ray` (Ray cluster)."
    )
    workers: int = Field(
        default=0, description="Workers of the `process` or `ray` executor (0 = CPU count, or the cluster's CPUs)."
    )
    ray_address: str = Field(
        default="", description="Ray cluster to join with the `ray` executor (empty = start a local Ray instance)."
    )
    batch_size: int = Field(default=256, description="Records per batch through the pipeline.")
    shard_records: int = Field(default=50_000, description="Records per Parquet shard of a version.")
    asr_model: str = Field(
        default="",
        description="faster-whisper model name or directory for speech (default: the models the `media` extra ships).",
    )
    asr_device: str = Field(default="cpu", description="Device for speech models: `cpu`, `cuda` or `auto`.")
    dedup_memory_mb: int = Field(
        default=256,
        description="Memory a job's dedup state may hold (MB) before it moves to a temporary index on disk.",
    )
    split_bytes: int = Field(
        default=1024 * 1024,
        description="Files of line-oriented formats larger than this are split across workers (0 = never).",
    )
    keys_dir: str = Field(
        default="", description="Folder of master keys and the data-key keyring (default: home/keys)."
    )
    key_provider: str = Field(
        default="local", description="`local` (master key files in keys_dir) or `package.module:Factory` for a KMS."
    )

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, v: str) -> str:
        if v not in {"inline", "process", "ray"}:
            raise ValueError(f"DATAHARBOR_EXECUTOR has value '{v}'. Not one of: inline, process, ray.")
        return v

    @field_validator("workers", "batch_size", "shard_records", "split_bytes", "dedup_memory_mb")
    @classmethod
    def _non_negative(cls, v: int) -> int:
        if v < 0:
            raise ValueError(f"must be >= 0, got {v}")
        return v

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def catalog_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_home / 'catalog.db'}"

    @property
    def resolved_keys_dir(self) -> Path:
        return Path(self.keys_dir).expanduser().resolve() if self.keys_dir else self.resolved_home / "keys"

    @property
    def resolved_store_url(self) -> str:
        return self.store_url or str(self.resolved_home / "store")

    @property
    def store_options(self) -> dict[str, Any]:
        """fsspec options of an S3 store (empty for any other store)."""
        if not self.store_url.startswith(("s3://", "s3a://")):
            return {}
        # several processes and machines write one bucket: a cached listing would hide what the others wrote
        options: dict[str, Any] = {"use_listings_cache": False}
        if self.store_endpoint_url:
            options["endpoint_url"] = self.store_endpoint_url
        if self.store_region:
            options["client_kwargs"] = {"region_name": self.store_region}
        if self.store_access_key_id:
            options["key"] = self.store_access_key_id
            options["secret"] = self.store_secret_access_key.get_secret_value()
        return options

    def model_post_init(self, context: Any, /) -> None:
        if self.store_options:
            from dataharbor.store.blobs import share_store_options  # only S3 deployments pay for the import

            share_store_options(self.store_url, self.store_options)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
