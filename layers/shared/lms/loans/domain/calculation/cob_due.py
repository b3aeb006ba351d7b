"""The next date of interest of a loan: the first business date after `after` on which the close of
business may have something to do for it (the head's `cobDue`, which the run's index is keyed by).

From the loan's position now, the candidates are, for every installment not fully paid:
- the day after its due date (it becomes overdue);
- its penalty date, `due + graceDays + 1` (while it has principal or interest unpaid, the loan has a
  late-penalty rule and is not charged off);
- its reminder date, `due - reminderDaysBefore`;
and, from the oldest installment not fully paid (the one whose due date `overdueSince` will be):
- the day it reaches each bucket's first day (`due + first_day`) and each PAR threshold (30, 60, 90
  days: the portfolio report's bands);
- the day it reaches `nonAccrualDays` (`due + nonAccrualDays`).
A date that turns out to have nothing to do costs the run one read of the loan and no write; a date
of interest that a later transaction moves (a payment, a reversal) is recomputed by its commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from lms.loans.domain.calculation.allocation import InstallmentPosition
from lms.loans.domain.calculation.delinquency import PAR_THRESHOLDS, DelinquencyBuckets
from lms.loans.domain.calculation.late_penalty import LatePenalty

ONE_DAY = timedelta(days=1)


def next_date_of_interest(
    installments: Sequence[InstallmentPosition],
    after: date,
    *,
    buckets: DelinquencyBuckets,
    late_penalty: LatePenalty | None = None,
    reminder_days_before: int | None = None,
    non_accrual_days: int | None = None,
    charged_off: bool = False,
) -> date | None:
    """The first candidate date strictly after `after`, or None when nothing can ever be due."""
    unpaid = [i for i in installments if i.total_outstanding > 0]
    candidates: list[date] = []
    for installment in unpaid:
        due = installment.due_date
        candidates.append(due + ONE_DAY)
        if reminder_days_before is not None:
            candidates.append(due - timedelta(days=reminder_days_before))
        principal_or_interest = installment.outstanding("principal") + installment.outstanding("interest")
        if late_penalty is not None and not charged_off and principal_or_interest > 0:
            candidates.append(due + timedelta(days=late_penalty.grace_days) + ONE_DAY)
    if unpaid:
        oldest = min(i.due_date for i in unpaid)
        candidates += [oldest + timedelta(days=first) for first in (*buckets.first_days, *PAR_THRESHOLDS)]
        if non_accrual_days is not None:
            candidates.append(oldest + timedelta(days=non_accrual_days))
    return min((d for d in candidates if d > after), default=None)
