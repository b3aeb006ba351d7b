"""The clock, one module so tests can move it: instants are UTC; the business date is the calendar
date in the lender's time zone (setting LENDER_TIME_ZONE, UTC by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from lms.config import get_settings


def now() -> datetime:
    return datetime.now(UTC)


def business_date() -> date:
    """Today for the lender: what future-date checks, the runs and reports call today."""
    return now().astimezone(_lender_zone(get_settings().lender_time_zone)).date()


def today() -> date:
    return business_date()


def timestamp() -> str:
    """Wall-clock time of a record, ISO 8601 with milliseconds and Z."""
    return now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


@cache
def _lender_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
