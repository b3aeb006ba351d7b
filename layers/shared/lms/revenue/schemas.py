"""Request and response bodies of revenue runs."""

from __future__ import annotations

from decimal import Decimal

from lms.api.types import NonBlankStr, RequestModel, ResponseModel, with_example
from lms.revenue.run import RevenueRun


class StartRevenueRunRequest(RequestModel):
    model_config = with_example({"month": "2026-05"})

    month: NonBlankStr  # yyyy-MM, a month that has ended
    """The month to run (yyyy-MM), one that has ended."""


class RunErrorOut(ResponseModel):
    loan_id: str
    error: str


class RevenueRunOut(ResponseModel):
    month: str
    status: str
    attempt: int
    started_at: str
    completed_at: str | None
    shards: int
    shards_paged: int
    loans_queued: int
    loans_done: int
    loans_accrued: int
    loans_failed: int
    amount_accrued: dict[str, Decimal]  # this attempt, per currency
    total_accrued: dict[str, Decimal]  # every attempt of the month, per currency
    errors: list[RunErrorOut]

    @classmethod
    def of(cls, run: RevenueRun) -> RevenueRunOut:
        attempt = run.attempt
        return cls(
            month=f"{run.month:%Y-%m}",
            status=attempt.status.value,
            attempt=attempt.number,
            started_at=attempt.started_at,
            completed_at=attempt.completed_at,
            shards=attempt.shards,
            shards_paged=attempt.shards_paged,
            loans_queued=attempt.loans_queued,
            loans_done=attempt.loans_done,
            loans_accrued=attempt.loans_accrued,
            loans_failed=attempt.loans_failed,
            amount_accrued=attempt.amounts,
            total_accrued=run.total_accrued,
            errors=[RunErrorOut(loan_id=e["loanId"], error=e["error"]) for e in attempt.errors],
        )
