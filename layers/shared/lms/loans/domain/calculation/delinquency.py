"""Delinquency of a loan as of a date: days past due, arrears by component, and the product's bucket.

Definitions (`docs/cob.md` has them with examples):

- As of a date `d` means at the end of that business day: the loan's active transactions dated on
  or before `d`, replayed as the loan's position replays them (`position.replay`); a transaction
  dated after `d` does not count, and a reversed one never counts, at any date (the history as it is
  known now, seen at `d`: a back-dated payment or a reversal changes every date from its own on).
- An installment is overdue as of `d` when its due date is strictly before `d` and it is not fully
  paid (anything of its principal, interest, fees or penalties is outstanding after payments and
  waivers). On its due date it is not yet overdue; the day after, it is 1 day past due.
- `days_past_due` = `d` - the due date of the oldest overdue installment (`overdue_since`), in
  calendar days; 0 (and `overdue_since` None) when nothing is overdue. It is never negative.
- `arrears` = what is outstanding on the overdue installments, per component; `total` their sum.
  Installments not yet due are never arrears, however much is outstanding on them.
- `in_arrears` = `days_past_due > 0`; `bucket` = the product's bucket holding `days_past_due`
  (`DelinquencyBuckets`), None when not in arrears.

Nothing here is stored or rounded: every figure is a sum of amounts the replay already holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from lms.loans.domain.calculation.allocation import COMPONENTS, InstallmentPosition
from lms.loans.domain.calculation.position import LoanPosition, replay
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction, Portions
from lms.money import ZERO
from lms.products.domain import ProcessingStrategy

# The buckets are the product's (lms.products.servicing_rules); named here too, where they are applied.
from lms.products.servicing_rules import (
    BUCKETS_FIELD,  # noqa: F401  (re-exported)
    DEFAULT_BUCKETS,  # noqa: F401  (re-exported)
    Bucket,  # noqa: F401  (re-exported)
    DelinquencyBuckets,
)


@dataclass(frozen=True)
class LoanHistory:
    """What a loan's position is replayed from: its schedule, transactions (active and reversed) and
    charges, its processing strategy and currency (a `Loan` gives them all)."""

    schedule: list[Installment]
    transactions: list[LoanTransaction]
    charges: list[LoanCharge]
    strategy: ProcessingStrategy
    currency: str

    def up_to(self, day: date) -> LoanHistory:
        """The history as it stood at the end of `day`: its transactions dated on or before it."""
        return LoanHistory(
            self.schedule, [t for t in self.transactions if t.date <= day], self.charges, self.strategy, self.currency
        )

    def position_on(self, day: date) -> LoanPosition:
        """The position at the end of `day` (transactions dated later do not count)."""
        kept = self.up_to(day)
        return replay(kept.schedule, kept.transactions, kept.charges, kept.strategy, kept.currency)

    def transaction_dates(self) -> list[date]:
        """The distinct dates of its active transactions, in order: the only days its position changes."""
        return sorted({t.date for t in self.transactions if t.active})


# Portfolio at risk is reported at these days past due (PAR1, PAR30, PAR60, PAR90: the outstanding
# principal of loans at or beyond that many days). A loan's band is the highest it has reached.
PAR_THRESHOLDS = (1, 30, 60, 90)


def par_band(days_past_due: int) -> int:
    """The highest PAR threshold `days_past_due` has reached, 0 for a loan not past due."""
    return max((t for t in PAR_THRESHOLDS if days_past_due >= t), default=0)


@dataclass(frozen=True)
class Delinquency:
    as_of: date
    days_past_due: int
    overdue_since: date | None
    arrears: Portions = field(default_factory=Portions)
    bucket: str | None = None

    @property
    def in_arrears(self) -> bool:
        return self.days_past_due > 0


def is_overdue(installment: InstallmentPosition, as_of: date) -> bool:
    """Past its due date (strictly) and not fully paid."""
    return installment.due_date < as_of and installment.total_outstanding > 0


def delinquency(position: LoanPosition, as_of: date, buckets: DelinquencyBuckets | None = None) -> Delinquency:
    """The delinquency a position shows as of `as_of`. The position must be the one at the end of that
    day (`LoanHistory.position_on`); the loan's current position is that for today, since no
    transaction is dated in the future."""
    buckets = buckets or DelinquencyBuckets.parse()
    overdue = [i for i in position.installments if is_overdue(i, as_of)]
    if not overdue:
        return Delinquency(as_of=as_of, days_past_due=0, overdue_since=None)
    since = min(i.due_date for i in overdue)
    days = (as_of - since).days
    arrears = Portions(**{c: sum((i.outstanding(c) for i in overdue), ZERO) for c in COMPONENTS})
    return Delinquency(
        as_of=as_of, days_past_due=days, overdue_since=since, arrears=arrears, bucket=buckets.bucket_for(days)
    )


def delinquency_as_of(history: LoanHistory, as_of: date, buckets: DelinquencyBuckets | None = None) -> Delinquency:
    """The loan's delinquency at the end of `as_of`, replaying only what was dated by then."""
    return delinquency(history.position_on(as_of), as_of, buckets)


def bucket_changes(
    history: LoanHistory, since: date, until: date, buckets: DelinquencyBuckets | None = None
) -> list[tuple[date, str | None]]:
    """Every day in [since, until] on which the loan's bucket differs from the day before's, with the
    bucket it enters (None: it leaves arrears). From the disbursement date it lists the loan's whole
    delinquency history; `since` later than that compares its first day with the day before it.

    Exact without looking at every day: between two transaction dates the position is fixed, so the
    days past due are `day - due date of the oldest unpaid installment`, which can only change bucket
    on a transaction date or on a day it reaches a bucket's first day.
    """
    buckets = buckets or DelinquencyBuckets.parse()
    if until < since:
        return []
    candidates = {since} | {d for d in history.transaction_dates() if since < d <= until}
    for installment in history.schedule:
        for first in buckets.first_days:
            day = installment.due_date + timedelta(days=first)
            if since < day <= until:
                candidates.add(day)
    changes: list[tuple[date, str | None]] = []
    positions: dict[int, LoanPosition] = {}  # by how many transactions count: replay once per stretch
    dates = [t.date for t in history.transactions]

    def bucket_on(day: date) -> str | None:
        counted = sum(1 for d in dates if d <= day)
        if counted not in positions:
            positions[counted] = history.position_on(day)
        return delinquency(positions[counted], day, buckets).bucket

    previous = bucket_on(since - timedelta(days=1))
    for day in sorted(candidates):
        current = bucket_on(day)
        if current != previous:
            changes.append((day, current))
        previous = current
    return changes
