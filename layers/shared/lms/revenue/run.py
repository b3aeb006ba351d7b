"""A month's revenue run and its progress (pure: no storage).

A run for a month is started by the monthly schedule or an admin, as often as anyone likes: each
start is an attempt that pages every shard of the accrual index and queues the loans still due
for the month. Loans a previous attempt booked are no longer in the index for that month, so a
second attempt finds only what the first did not finish, and changes nothing else.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from lms.errors import InvalidArgument
from lms.loans.domain.calculation.accrual import month_of, parse_month
from lms.models import LmsModel
from lms.storage.tables import ACCRUAL_SHARDS

LOANS_PER_MESSAGE = 25  # loans one work message carries (one BatchGetItem reads them)
MAX_ERRORS_KEPT = 20


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"


class Attempt(LmsModel):
    number: int
    status: RunStatus = RunStatus.RUNNING
    started_at: str
    completed_at: str | None = None
    shards: int = ACCRUAL_SHARDS
    shards_paged: int = 0
    loans_queued: int = 0
    loans_done: int = 0  # accrued now, already accrued by an earlier attempt, or not earning
    loans_accrued: int = 0  # booked by this attempt
    loans_failed: int = 0
    amounts: dict[str, Decimal] = Field(default_factory=dict)  # interest booked, per currency
    errors: list[dict[str, str]] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.shards_paged >= self.shards and self.loans_done + self.loans_failed >= self.loans_queued


class RevenueRun(LmsModel):
    month: date
    attempt: Attempt
    total_accrued: dict[str, Decimal] = Field(default_factory=dict)  # every attempt, per currency


def month_to_run(text: str, today: date) -> date:
    """A requested month: yyyy-MM, and over (a month still running has not earned its interest)."""
    try:
        month = parse_month(text)
    except ValueError:
        raise InvalidArgument.field("month", "must be a month in yyyy-MM format") from None
    if month >= month_of(today):
        raise InvalidArgument.field("month", f"must be a month that has ended (before {month_of(today):%Y-%m})")
    return month


def previous_month(today: date) -> date:
    """The month that ended last (what the monthly schedule runs on the 1st)."""
    return month_of(month_of(today) - timedelta(days=1))
