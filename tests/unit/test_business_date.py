"""The business date is the calendar date in the lender's time zone (LENDER_TIME_ZONE, UTC by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lms import clock
from lms.config import get_settings, reset_settings
from lms.errors import ConfigurationError


@pytest.fixture(autouse=True)
def fresh_settings():
    reset_settings()
    yield
    reset_settings()


def at(monkeypatch, instant: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: instant)


def test_by_default_the_business_date_is_the_utc_date(monkeypatch):
    monkeypatch.delenv("LENDER_TIME_ZONE", raising=False)
    at(monkeypatch, datetime(2026, 12, 4, 23, 30, tzinfo=UTC))
    assert clock.business_date() == date(2026, 12, 4)
    assert clock.today() == date(2026, 12, 4)


def test_east_of_utc_the_day_starts_earlier(monkeypatch):
    monkeypatch.setenv("LENDER_TIME_ZONE", "Africa/Dar_es_Salaam")  # UTC+3
    at(monkeypatch, datetime(2026, 12, 4, 20, 59, tzinfo=UTC))
    assert clock.business_date() == date(2026, 12, 4)
    at(monkeypatch, datetime(2026, 12, 4, 21, 0, tzinfo=UTC))
    assert clock.business_date() == date(2026, 12, 5)
    assert clock.today() == date(2026, 12, 5)


def test_west_of_utc_the_day_ends_later(monkeypatch):
    monkeypatch.setenv("LENDER_TIME_ZONE", "Pacific/Pago_Pago")  # UTC-11
    at(monkeypatch, datetime(2026, 12, 5, 10, 59, tzinfo=UTC))
    assert clock.business_date() == date(2026, 12, 4)
    at(monkeypatch, datetime(2026, 12, 5, 11, 0, tzinfo=UTC))
    assert clock.business_date() == date(2026, 12, 5)


def test_timestamps_stay_utc_whatever_the_zone(monkeypatch):
    monkeypatch.setenv("LENDER_TIME_ZONE", "Africa/Dar_es_Salaam")
    at(monkeypatch, datetime(2026, 12, 4, 22, 0, 0, 123000, tzinfo=UTC))
    assert clock.timestamp() == "2026-12-04T22:00:00.123Z"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "/etc/localtime", "EAT+3"])
def test_an_unknown_zone_fails_naming_the_variable(monkeypatch, zone):
    monkeypatch.setenv("LENDER_TIME_ZONE", zone)
    with pytest.raises(
        ConfigurationError, match=r"LENDER_TIME_ZONE is invalid: .*not a time zone of the IANA database"
    ):
        get_settings()
