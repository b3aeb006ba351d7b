"""Non-accrual: a loan too long past due stops earning interest as income until it is cured.

Rules (`docs/cob.md`, "Non-accrual", has them with examples):

- A product may set `nonAccrualDays` (N, at least 1). A loan is in non-accrual on day `d` when its
  days past due at the end of `d` (`delinquency.days_past_due`) are at least N. It enters on the
  day they reach N and leaves on the day a transaction (a payment, a waiver, a reversal of a
  charge) brings them under N again.
- Nothing is stored: the state is judged from the loan's position and the date, so a back-dated
  payment or a reversal that changes days past due changes non-accrual from its own date on,
  exactly as it changes the loan's delinquency.
- Without a new transaction the days past due grow by one a day, counted from the due date of the
  oldest installment not fully paid; so a position fixes the day it enters non-accrual: that due
  date + N (`non_accrual_from`), whether that day is past or still to come.

What being in non-accrual does to income is `accrual.recognition_target`'s.
"""

from __future__ import annotations

from datetime import date, timedelta

from lms.loans.domain.calculation.delinquency import LoanHistory
from lms.loans.domain.calculation.position import LoanPosition


def non_accrual_from(position: LoanPosition, days: int | None) -> date | None:
    """The day a loan with this position is (or, if nothing is paid, will be) in non-accrual from:
    the oldest installment not fully paid's due date + `days`. None without a rule or when nothing
    is unpaid."""
    if days is None:
        return None
    unpaid = [i.due_date for i in position.installments if i.total_outstanding > 0]
    if not unpaid:
        return None
    return min(unpaid) + timedelta(days=days)


def in_non_accrual(position: LoanPosition, as_of: date, days: int | None) -> bool:
    """Whether the loan is in non-accrual at the end of `as_of`; `position` must be the one at the end
    of that day (`LoanHistory.position_on`; today's is the loan's current position).

    The oldest unpaid installment, once past its due date, is the oldest overdue one, so its due date
    + N <= `as_of` says exactly that the days past due on `as_of` are at least N (N >= 1)."""
    starts = non_accrual_from(position, days)
    return starts is not None and starts <= as_of


def non_accrual_changes(history: LoanHistory, since: date, until: date, days: int | None) -> list[tuple[date, bool]]:
    """Every day in [since, until] on which the loan enters (True) or leaves (False) non-accrual,
    compared with the day before. Exact without looking at every day: between two transaction dates
    the position is fixed, so the state can change only on a transaction date or on the day an
    installment's due date + N is reached."""
    if days is None or until < since:
        return []
    candidates = {since} | {d for d in history.transaction_dates() if since < d <= until}
    candidates |= {d for i in history.schedule if since < (d := i.due_date + timedelta(days=days)) <= until}

    def state_on(day: date) -> bool:
        return in_non_accrual(history.position_on(day), day, days)

    changes = []
    previous = state_on(since - timedelta(days=1))
    for day in sorted(candidates):
        current = state_on(day)
        if current != previous:
            changes.append((day, current))
        previous = current
    return changes
