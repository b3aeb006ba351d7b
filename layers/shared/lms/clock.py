"""Business dates are UTC calendar days; the clock is one function so tests can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def timestamp() -> str:
    """Wall-clock time of a record, ISO 8601 with milliseconds and Z."""
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
