"""Request and response bodies of close-of-business runs."""

from __future__ import annotations

from lms.api.types import NonBlankStr, RequestModel, ResponseModel, with_example
from lms.cob.run import NOT_IN_ARREARS, CobRun


class StartCobRunRequest(RequestModel):
    model_config = with_example({"businessDate": "2026-12-04"})

    business_date: NonBlankStr  # yyyy-MM-dd, not after today's business date
    """The business date to close (yyyy-MM-dd), up to today's business date in the lender's time zone."""


class CobRunErrorOut(ResponseModel):
    loan_id: str
    error: str


class CobRunOut(ResponseModel):
    business_date: str
    status: str
    attempt: int
    started_at: str
    completed_at: str | None
    shards: int
    shards_paged: int
    loans_queued: int
    loans_done: int
    loans_closed: int  # written by this attempt (the others were closed through the date already)
    loans_failed: int
    penalties_charged: int
    penalties_removed: int
    loans_by_bucket: dict[str, int]  # loans done by this attempt, by bucket after their close
    loans_not_in_arrears: int
    errors: list[CobRunErrorOut]

    @classmethod
    def of(cls, run: CobRun) -> CobRunOut:
        attempt = run.attempt
        return cls(
            business_date=run.business_date.isoformat(),
            status=attempt.status.value,
            attempt=attempt.number,
            started_at=attempt.started_at,
            completed_at=attempt.completed_at,
            shards=attempt.shards,
            shards_paged=attempt.shards_paged,
            loans_queued=attempt.loans_queued,
            loans_done=attempt.loans_done,
            loans_closed=attempt.loans_closed,
            loans_failed=attempt.loans_failed,
            penalties_charged=attempt.penalties_charged,
            penalties_removed=attempt.penalties_removed,
            loans_by_bucket={b: n for b, n in sorted(attempt.buckets.items()) if b != NOT_IN_ARREARS},
            loans_not_in_arrears=attempt.buckets.get(NOT_IN_ARREARS, 0),
            errors=[CobRunErrorOut(loan_id=e["loanId"], error=e["error"]) for e in attempt.errors],
        )
