"""The package's root exception; each subpackage derives a small tree from it.

Exceptions carry structured fields so the CLI (and later the API) can render them in one place.
"""

from __future__ import annotations


class HarborError(Exception):
    """Root of every error DataHarbor raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def __str__(self) -> str:
        return self.message


class NotFound(HarborError):
    exit_code = 4


class Conflict(HarborError):
    exit_code = 5


class InvalidInput(HarborError):
    exit_code = 2


class ConfigError(HarborError):
    exit_code = 3


class MissingExtra(HarborError):
    """A heavy optional component is not installed."""

    exit_code = 3

    def __init__(self, feature: str, package: str, extra: str | None = None) -> None:
        hint = f"pip install 'dataharbor[{extra}]'" if extra else f"pip install {package}"
        super().__init__(
            f"{feature} needs the package `{package}`, which is not installed ({hint})",
            feature=feature,
            package=package,
        )
