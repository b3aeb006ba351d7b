"""Requests per API key per minute, hour and day (the disbursement seed's 100, 1,000 and 10,000 by
default), counted by the authorizer in DynamoDB, so every execution environment sees one count.

One item per key and UTC day holds the day's count and the counts of the current hour and minute
(`hk`/`hc`, `mk`/`mc`: which one, and how many). A request is one conditional update: while the
minute and hour are those stored, add one to each count, on condition that none is at its limit.
The first request of a new minute or hour finds the condition failed because the window moved (the
old item comes back with the failure, at no extra read): a second conditional update starts the
new window, guarded by the values it saw, so two environments cannot both restart it. A request
over a limit writes nothing. The items live in the idempotency table, whose TTL removes them two
days later.

Fixed windows, as the seed's limits are stated: a key may send 100 requests at the end of one
minute and 100 at the start of the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lms.config import get_settings
from lms.errors import Aborted
from lms.storage.dynamo import ConditionFailed, Table

WINDOWS = ("minute", "hour", "day")
KEEP_SECONDS = 2 * 86400
ATTEMPTS = 5  # a lost race to start a window only happens at a window's first request


@dataclass(frozen=True)
class Limits:
    minute: int
    hour: int
    day: int

    def of(self, window: str) -> int:
        return getattr(self, window)


@dataclass(frozen=True)
class Usage:
    """What one key has used in each window after (or, if refused, before) this request."""

    counts: dict[str, int]
    resets: dict[str, int]  # epoch seconds when each window starts again
    limits: Limits
    allowed: bool
    now: float

    @property
    def exceeded(self) -> str | None:
        """The window the request was refused for (the longest one at its limit)."""
        if self.allowed:
            return None
        return next(w for w in reversed(WINDOWS) if self.counts[w] >= self.limits.of(w))

    def reported(self) -> str:
        """The window the headers describe: the one exceeded, else the one with the least left."""
        return self.exceeded or min(WINDOWS, key=lambda w: (self.limits.of(w) - self.counts[w], WINDOWS.index(w)))

    def headers(self) -> dict[str, str]:
        window = self.reported()
        headers = {
            "X-RateLimit-Limit": str(self.limits.of(window)),
            "X-RateLimit-Remaining": str(max(self.limits.of(window) - self.counts[window], 0)),
            "X-RateLimit-Reset": str(self.resets[window]),
            "X-RateLimit-Window": window,
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.resets[window] - int(self.now)))
        return headers


def windows_at(now: float) -> tuple[str, str, str, dict[str, int]]:
    """The day, hour and minute `now` falls in (UTC), and when each of them ends."""
    moment = datetime.fromtimestamp(now, UTC)
    minute_start = moment.replace(second=0, microsecond=0)
    hour_start = minute_start.replace(minute=0)
    day_start = hour_start.replace(hour=0)
    resets = {
        "minute": int((minute_start + timedelta(minutes=1)).timestamp()),
        "hour": int((hour_start + timedelta(hours=1)).timestamp()),
        "day": int((day_start + timedelta(days=1)).timestamp()),
    }
    return f"{day_start:%Y-%m-%d}", f"{hour_start:%H}", f"{minute_start:%H%M}", resets


class RateLimiter:
    def __init__(self, table: Table, limits: Limits, clock=time.time):
        self.table = table
        self.limits = limits
        self.clock = clock

    def take(self, key_id: str) -> Usage:
        """Count one request of `key_id`, unless a window is at its limit."""
        for _ in range(ATTEMPTS):
            usage = self._take(key_id)
            if usage is not None:
                return usage
        raise Aborted("Too many requests at once for this API key; retry", reason="RATE_LIMIT_CONTENTION")

    def _take(self, key_id: str) -> Usage | None:
        now = self.clock()
        day, hour, minute, resets = windows_at(now)
        key = {"id": f"rate#{key_id}#{day}"}
        expires = int(now) + KEEP_SECONDS
        try:
            item = self.table.update(
                key,
                "ADD d :one, hc :one, mc :one SET expiration = if_not_exists(expiration, :expires)",
                condition="hk = :hour AND mk = :minute AND d < :dl AND hc < :hl AND mc < :ml",
                values_={
                    ":one": 1,
                    ":hour": hour,
                    ":minute": minute,
                    ":expires": expires,
                    ":dl": self.limits.day,
                    ":hl": self.limits.hour,
                    ":ml": self.limits.minute,
                },
            )
            return self._usage(item, resets, now)
        except ConditionFailed as failed:
            seen = failed.item or {}
        counts = {
            "day": int(seen.get("d", 0)),
            "hour": int(seen.get("hc", 0)) if seen.get("hk") == hour else 0,
            "minute": int(seen.get("mc", 0)) if seen.get("mk") == minute else 0,
        }
        if any(counts[w] >= self.limits.of(w) for w in WINDOWS):
            return Usage(counts, resets, self.limits, allowed=False, now=now)
        # The minute or hour (or day) moved on: start the new windows with this request, if the
        # item is still what was seen (else another environment started them: count again).
        values = {
            ":one": 1,
            ":hour": hour,
            ":minute": minute,
            ":hc": counts["hour"] + 1,
            ":mc": counts["minute"] + 1,
            ":expires": expires,
        }
        if seen:
            guard = "d = :d AND hk = :seenhour AND mk = :seenminute"
            values |= {":d": int(seen["d"]), ":seenhour": seen.get("hk", ""), ":seenminute": seen.get("mk", "")}
        else:
            guard = "attribute_not_exists(d)"
        try:
            item = self.table.update(
                key,
                "SET hk = :hour, mk = :minute, hc = :hc, mc = :mc, expiration = if_not_exists(expiration, :expires) "
                "ADD d :one",
                condition=guard,
                values_=values,
            )
        except ConditionFailed:
            return None
        return self._usage(item, resets, now)

    def _usage(self, item: dict | None, resets: dict, now: float) -> Usage:
        item = item or {}
        counts = {"day": int(item.get("d", 0)), "hour": int(item.get("hc", 0)), "minute": int(item.get("mc", 0))}
        return Usage(counts, resets, self.limits, allowed=True, now=now)


def limiter_for(own: dict[str, int] | None) -> RateLimiter:
    """The limiter for a key: its own limits where it has them, the deployment's for the rest."""
    settings = get_settings()
    own = own or {}
    limits = Limits(
        own.get("minute", settings.rate_limit_per_minute),
        own.get("hour", settings.rate_limit_per_hour),
        own.get("day", settings.rate_limit_per_day),
    )
    return RateLimiter(Table(settings.idempotency_table_name), limits)
