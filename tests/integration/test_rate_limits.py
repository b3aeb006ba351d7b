"""Rate limits per API key (issue 11): past a window's limit, 429 resource_exhausted with
Retry-After; X-RateLimit-Limit, -Remaining and -Reset on every answer; nothing done for a refused
request. Windows are fixed UTC minutes, hours and days (lms.auth.rate_limits)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from lms.auth.rate_limits import Limits, RateLimiter, windows_at
from lms.config import get_settings, reset_settings
from lms.storage.dynamo import Table
from tests.support.client import ApiClient
from tests.support.data import customer_body


def key_with(admin, **limits) -> ApiClient:
    reply = admin.post("/v1/api-keys", {"name": "partner", "role": "operator", "rateLimits": limits})
    assert reply.status == 201, reply
    assert reply.json["rateLimits"] == {"perMinute": None, "perHour": None, "perDay": None, **limits}
    return ApiClient(admin.api, reply.json["key"])


def test_the_minute_window_and_its_headers(admin):
    client = key_with(admin, perMinute=3)
    _, _, _, resets = windows_at(time.time())
    for remaining in (2, 1, 0):
        reply = client.get("/v1/loan-products")
        assert reply.status == 200, reply
        assert reply.headers["X-RateLimit-Limit"] == "3"
        assert reply.headers["X-RateLimit-Remaining"] == str(remaining)
        assert reply.headers["X-RateLimit-Window"] == "minute"
        assert int(reply.headers["X-RateLimit-Reset"]) in (resets["minute"], resets["minute"] + 60)
    refused = client.post("/v1/customers", customer_body(externalId="rate-limited-1"))
    assert refused.status == 429, refused
    assert refused.json["code"] == "resource_exhausted" and refused.json["reason"] == "RATE_LIMITED"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Refused before the route ran: no customer was created.
    listed = admin.get("/v1/customers", query={"rows": 50}).json["items"]
    assert "rate-limited-1" not in [c.get("externalId") for c in listed]


def test_the_hour_and_day_windows(admin):
    hourly = key_with(admin, perHour=2)
    assert [hourly.get("/v1/offices").status for _ in range(3)] == [200, 200, 429]
    refused = hourly.get("/v1/offices")
    assert refused.headers["X-RateLimit-Window"] == "hour" and refused.headers["X-RateLimit-Limit"] == "2"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    daily = key_with(admin, perDay=2)
    assert [daily.get("/v1/offices").status for _ in range(3)] == [200, 200, 429]
    refused = daily.get("/v1/offices")
    assert refused.headers["X-RateLimit-Window"] == "day"
    assert 1 <= int(refused.headers["Retry-After"]) <= 86400


def test_the_deployments_limits_apply_to_keys_without_their_own(admin, viewer, monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "2")
    reset_settings()
    assert get_settings().rate_limit_per_minute == 2
    statuses = [viewer.get("/v1/offices").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Each key has its own count: the admin's first request goes through.
    reply = admin.get("/v1/offices")
    assert reply.status == 200 and reply.headers["X-RateLimit-Limit"] == "2"
    # Errors carry the headers too.
    missing = admin.get("/v1/customers/999999")
    assert missing.status == 404 and missing.headers["X-RateLimit-Remaining"] == "0"


def test_a_new_window_starts_counting_again(seeded):
    clock = [datetime(2026, 11, 24, 10, 0, 30, tzinfo=UTC).timestamp()]
    limiter = RateLimiter(Table(get_settings().idempotency_table_name), Limits(3, 5, 100), lambda: clock[0])
    assert [limiter.take("ak_test").allowed for _ in range(4)] == [True, True, True, False]
    clock[0] += 60  # the next minute: the minute count restarts, the hour's goes on
    usage = limiter.take("ak_test")
    assert usage.allowed and usage.counts == {"minute": 1, "hour": 4, "day": 4}
    assert limiter.take("ak_test").counts == {"minute": 2, "hour": 5, "day": 5}
    refused = limiter.take("ak_test")
    assert not refused.allowed and refused.exceeded == "hour"
    assert refused.headers()["Retry-After"] == str(int(datetime(2026, 11, 24, 11, tzinfo=UTC).timestamp() - clock[0]))
    clock[0] += 3600  # the next hour
    assert limiter.take("ak_test").counts == {"minute": 1, "hour": 1, "day": 6}
    clock[0] += 86400  # the next day: a new item
    assert limiter.take("ak_test").counts == {"minute": 1, "hour": 1, "day": 1}


@pytest.mark.parametrize("limits", [{"perMinute": 0}, {"perHour": -1}, {"perDay": "many"}, {"perWeek": 5}])
def test_bad_limits_are_refused(admin, limits):
    reply = admin.post("/v1/api-keys", {"name": "partner", "role": "operator", "rateLimits": limits})
    assert reply.status == 400, reply
    assert reply.json["details"][0]["field"].startswith("rateLimits")
