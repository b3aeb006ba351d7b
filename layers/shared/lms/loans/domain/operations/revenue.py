"""The monthly revenue run, for one loan: book the interest it earned up to a month's end, once.

The month's remainder is what the loan should recognise through that month (`accrual`) less what
it already has: catch-up reports sent with its payments during the month are subtracted that way.
It posts Dr Interest receivable / Cr Interest income on the month's last day and is pushed as a
REVENUE_REPORT for the month. A month a loan has been run for is never run again for it, so a run
started twice, or restarted after a crash, books each loan's month exactly once; a later change to
a past month's interest (a reversal, a back-dated payment) is booked by the next run or operation,
never by reopening a month.

Non-accrual is judged on the day the run books the month (`Books.recorded_on`): a loan then at
least `nonAccrualDays` past due books nothing more and gives back what it had booked but not been
paid (Dr Interest income / Cr Interest receivable, on the month's last day), yet its month counts
as run, so that once cured the interest it earned meanwhile is booked in one catch-up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import rebook
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.accrual import last_day, month_of, next_month
from lms.money import ZERO, round_money

EARNING = (LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.OVERPAID)


class Outcome(StrEnum):
    ACCRUED = "accrued"  # the month is booked for the loan now (possibly with nothing to book)
    ALREADY_DONE = "already-done"  # an earlier run booked it
    NOT_EARNING = "not-earning"  # not disbursed by the month's end, charged off, or not a loan that earns


def first_month_due(loan: Loan) -> date | None:
    """The first month the revenue run has still to book for the loan, if it needs runs at all."""
    if loan.status is not LoanStatus.ACTIVE or loan.charged_off or loan.disbursed_on_date is None:
        return None
    if loan.accrued_through is None:
        return month_of(loan.disbursed_on_date)
    return next_month(loan.accrued_through)


def accrue_month(loan: Loan, month: date, books: Books) -> tuple[Loan, Outcome, Decimal]:
    """Book `month` for `loan`; returns the loan, what happened, and the interest booked (may be 0)."""
    zero = round_money(ZERO, loan.currency)
    if (
        loan.status not in EARNING
        or loan.charged_off
        or loan.disbursed_on_date is None
        or loan.disbursed_on_date > last_day(month)
    ):
        return loan, Outcome.NOT_EARNING, zero
    if loan.accrued_through is not None and loan.accrued_through >= month:
        return loan, Outcome.ALREADY_DONE, zero
    before = books.accrued_interest()
    month_end = last_day(month)
    booked = rebook(
        loan.model_copy(update={"accrued_through": month}), books, month_end, recognise_on=month_end, appended=[]
    )
    return booked, Outcome.ACCRUED, books.accrued_interest() - before


def judge_non_accrual(loan: Loan, books: Books, on: date) -> tuple[Loan, Decimal]:
    """The close of business's part: bring the loan's interest income to its non-accrual state at
    the end of `on` (entering: booked but unpaid interest taken back; leaving: caught up). Returns
    the loan itself, unchanged, when nothing changes (nothing to write), and the change of income."""
    zero = round_money(ZERO, loan.currency)
    if loan.non_accrual_days is None or loan.status not in EARNING or loan.disbursed_on_date is None:
        return loan, zero
    before = books.accrued_interest()
    booked = rebook(loan, books, on, appended=[], as_of=on)
    change = books.accrued_interest() - before
    return (booked, change) if change else (loan, zero)
