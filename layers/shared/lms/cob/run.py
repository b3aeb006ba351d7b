"""A business date's close-of-business run and its progress (pure: no storage).

One run per business date. Starting a date that is running returns the run as it is (nothing is
queued twice); a date whose last attempt completed, or whose attempt has made no progress for
`STALE_AFTER`, is started again as a new attempt of the same run, which finds only the loans still
due (a loan closed through the date has moved on in the index). The loans' own commit is
idempotent, so any overlap between attempts changes nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field

from lms.errors import InvalidArgument
from lms.models import LmsModel

COB_SHARDS = 16  # CobDueIndex partition keys COB#0 .. COB#15 (the loan id's stable hash mod 16)
LOANS_PER_MESSAGE = 25  # loans one work message carries
MAX_ERRORS_KEPT = 20
NOT_IN_ARREARS = ""  # the bucket counter of loans not in arrears after their close
# An attempt still RUNNING this long after its last progress lost its messages (a purge, a bug):
# a start then begins a new attempt rather than waiting on it for ever.
STALE_AFTER = timedelta(hours=1)


class CobStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class CobAttempt(LmsModel):
    number: int
    status: CobStatus = CobStatus.RUNNING
    started_at: str
    updated_at: str | None = None
    completed_at: str | None = None
    shards: int = COB_SHARDS
    shards_paged: int = 0
    loans_queued: int = 0
    loans_done: int = 0  # closed now, or already closed through the date
    loans_closed: int = 0  # written by this attempt
    loans_failed: int = 0
    penalties_charged: int = 0
    penalties_removed: int = 0
    buckets: dict[str, int] = Field(default_factory=dict)  # loans done per bucket after their close ("": none)
    errors: list[dict[str, str]] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.shards_paged >= self.shards and self.loans_done + self.loans_failed >= self.loans_queued


class CobRun(LmsModel):
    business_date: date
    attempt: CobAttempt


def parse_business_date(text: str, field: str = "businessDate") -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidArgument.field(field, "must be a date in yyyy-MM-dd format") from None


def date_to_run(text: str, today: date) -> date:
    """A requested business date: yyyy-MM-dd, and not after today's business date."""
    wanted = parse_business_date(text)
    if wanted > today:
        raise InvalidArgument.field("businessDate", f"must not be after today's business date ({today.isoformat()})")
    return wanted
