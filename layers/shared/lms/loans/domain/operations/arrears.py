"""A loan's arrears marks, refreshed by every commit (`records.arrears`), and the close of business.

Every commit of a loan records, as of its business date, the loan's bucket and `overdueSince`, its
next date of interest (`cobDue`) and the payment reminders the date has reached; storage writes the
head's index markers from them, and the commit's webhook notices follow from the marks before and
after (`disbursing.signals`). The marks' date never moves back: a commit dated before the marks
(the run catching up an earlier date after a commit of today) keeps them as of the later date.

The close of business for date `d` (`close_of_business`) catches up, in one pass, everything since
the last date it closed: the late penalties due as of `d` (`late_penalties` decides them for every
day at once), then the marks as of `d`. Run again for `d` or an earlier date, it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.cob_due import next_date_of_interest
from lms.loans.domain.calculation.delinquency import DelinquencyBuckets, delinquency, par_band
from lms.loans.domain.calculation.late_penalty import penalty_date
from lms.loans.domain.operations.late_penalties import PenaltyChange, apply_late_penalties
from lms.loans.domain.operations.revenue import judge_non_accrual
from lms.loans.domain.records.arrears import ArrearsMarks, Reminder


def buckets_of(loan: Loan) -> DelinquencyBuckets:
    return DelinquencyBuckets.parse(loan.delinquency_buckets)


def refresh_arrears(loan: Loan, on: date, *, cob_through: date | None = None) -> Loan:
    """The loan with its marks as of `on` (or the later date they are already of)."""
    marks = loan.arrears
    as_of = max(on, marks.as_of) if marks.as_of else on
    through = max(filter(None, [marks.cob_through, cob_through]), default=None)
    if loan.status is not LoanStatus.ACTIVE:
        refreshed = ArrearsMarks(cob_through=through, as_of=as_of, reminded=marks.reminded)
        return loan.model_copy(update={"arrears": refreshed})
    position = position_of(loan)
    buckets = buckets_of(loan)
    now = delinquency(position, as_of, buckets)
    reminders: list[Reminder] = []
    reminded = marks.reminded
    if loan.reminder_days_before is not None:
        for installment in position.installments:
            reminder_date = installment.due_date - timedelta(days=loan.reminder_days_before)
            if installment.number <= marks.reminded or reminder_date > as_of:
                continue
            reminded = max(reminded, installment.number)
            # Once its due date has passed it is overdue, not due: the overdue signals say so.
            if installment.due_date >= as_of and installment.total_outstanding > 0:
                reminders.append(
                    Reminder(
                        installment=installment.number,
                        due_date=installment.due_date,
                        amount=installment.total_outstanding,
                    )
                )
    disbursed = loan.disbursed_on_date or as_of
    cob_due = next_date_of_interest(
        position.installments,
        through or disbursed - timedelta(days=1),
        buckets=buckets,
        late_penalty=loan.late_penalty,
        reminder_days_before=loan.reminder_days_before,
        non_accrual_days=loan.non_accrual_days,
        charged_off=loan.charged_off,
    )
    refreshed = ArrearsMarks(
        cob_through=through,
        as_of=as_of,
        bucket=now.bucket,
        overdue_since=now.overdue_since,
        cob_due=cob_due,
        reminded=reminded,
        reminders=reminders,
        in_portfolio=not loan.charged_off,
        par_band=par_band(now.days_past_due),
        principal=position.owed.principal,
        overdue_principal=now.arrears.principal,
        overdue_interest=now.arrears.interest,
        overdue_fees=now.arrears.fees,
        overdue_penalties=now.arrears.penalties,
    )
    return loan.model_copy(update={"arrears": refreshed})


def _penalty_falls_due(loan: Loan, through: date | None, on: date) -> bool:
    """Whether a penalty date falls in the days this close catches up. Every commit that changes
    what an earlier penalty was judged on (a payment, settlement, charge or reversal dated within a
    grace) has brought the penalties up to date itself, so the run judges only the new ones, and a
    loan with none to judge is closed from its head alone."""
    rule = loan.late_penalty
    if rule is None:
        return False
    if through is None:
        return True
    return any(through < penalty_date(i, rule) <= on for i in loan.schedule)


@dataclass(frozen=True)
class CloseOutcome:
    penalties: PenaltyChange
    bucket_before: str | None
    bucket_after: str | None
    closed: bool  # False: the loan was closed through this date already (or is not active): nothing changed


def close_of_business(loan: Loan, on: date, books: Books, actor: Actor) -> tuple[Loan, CloseOutcome]:
    """Close business day `on` for the loan, catching up every day since its last close in one pass.
    The same loan object when there is nothing to do (closed through `on` already, or not active:
    a closed or written-off loan has no index marker, and one not yet disbursed has no schedule)."""
    before = loan.arrears.bucket
    through = loan.arrears.cob_through
    if (through is not None and on <= through) or loan.status is not LoanStatus.ACTIVE:
        return loan, CloseOutcome(PenaltyChange(), before, before, closed=False)
    penalised, change = loan, PenaltyChange()
    if _penalty_falls_due(loan, through, on):
        penalised, change = apply_late_penalties(loan, loan.late_penalty, on, books, actor)
    # Then income: entering non-accrual on `on` takes the booked but unpaid interest back that day.
    # Unless a commit of a later business date (a payment after midnight, before the run; the
    # revenue run) has judged it already: every commit judges non-accrual as of its own date, and
    # judging again as of `on` would move the loan's income back to an earlier day's state.
    if loan.arrears.as_of is None or on >= loan.arrears.as_of:
        penalised, _ = judge_non_accrual(penalised, books, on)
    closed = refresh_arrears(penalised, on, cob_through=on)
    return closed, CloseOutcome(change, before, closed.arrears.bucket, closed=True)
