"""The close of business of one loan for one business date: one commit that catches up every day
since the loan's last close (late penalties, bucket, markers), or none when there is nothing to do.

Idempotent: a loan closed through the date (or later) is not written again, and the commit key is
the date's, so a commit whose answer was lost is found on the loan rather than applied twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lms import clock
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.operations.arrears import CloseOutcome, close_of_business
from lms.loans.service.books import books_for
from lms.loans.service.unit_of_work import History, LoanChange, LoanReads, LoanUnitOfWork
from lms.observability import traced

RUN_BY = "close-of-business"


@dataclass(frozen=True)
class CloseResult:
    loan_id: int
    business_date: date
    wrote: bool  # a commit was made
    penalties_charged: int
    penalties_removed: int
    bucket_before: str | None  # None: not in arrears
    bucket_after: str | None
    cob_due: date | None  # the loan's next date of interest after this close


def run_actor(business_date: date) -> Actor:
    # The commit key is the date's: a retry of the same close finds its own commit on the loan.
    return Actor(by=RUN_BY, at=clock.timestamp(), today=business_date, request_key=f"cob-{business_date:%Y%m%d}")


@traced
class LoanCloseOfBusiness:
    def __init__(self, work: LoanUnitOfWork | None = None):
        self.work = work or LoanUnitOfWork()

    def close(self, loan_id: int, business_date: date) -> CloseResult:
        actor = run_actor(business_date)

        def transition(loan: Loan, found) -> tuple[Loan, CloseOutcome]:
            return close_of_business(loan, business_date, books_for(loan, actor), actor)

        change = LoanChange(
            name="close_of_business",
            apply=transition,
            # Usually nothing is due but a bucket or a marker: the head suffices; penalties need the
            # whole history, which the unit of work then reads (`HistoryNeeded`).
            reads=LoanReads(history=History.HEAD),
            amount_of=lambda _loan, _outcome: None,
            business_date=business_date,
        )
        loan, outcome = self.work.run(int(loan_id), change, actor)
        if outcome is None:  # answered from the loan's own commit (an earlier attempt took effect)
            return CloseResult(
                int(loan_id), business_date, False, 0, 0, None, loan.arrears.bucket, loan.arrears.cob_due
            )
        return CloseResult(
            loan_id=int(loan_id),
            business_date=business_date,
            wrote=outcome.closed,
            penalties_charged=len(outcome.penalties.charged),
            penalties_removed=len(outcome.penalties.removed),
            bucket_before=outcome.bucket_before,
            bucket_after=outcome.bucket_after,
            cob_due=loan.arrears.cob_due,
        )
