"""Time for access decisions: always aware UTC (SQLite hands back naive datetimes; they are UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from dataharbor.errors import InvalidInput


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def parse_until(value: str) -> datetime:
    """`2027-01-31` means until the end of that day (UTC); a full ISO date-time is taken as given (UTC if naive)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC) + timedelta(days=1)
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise InvalidInput(f"Date '{value}' is not valid: expected YYYY-MM-DD or an ISO date-time") from None


def parse_from(value: str) -> datetime:
    """`2027-01-01` means from the start of that day (UTC)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise InvalidInput(f"Date '{value}' is not valid: expected YYYY-MM-DD or an ISO date-time") from None
