"""Interest income as it is earned: day by day over each installment's period, booked month by month.

Rules:
- An installment's interest is earned evenly over the days of its period, from its `from_date`
  (included) to its due date (excluded), so a 7-day installment earns a seventh a day.
- A month's interest is the exact sum over its days, rounded half-even to the currency's minor
  units; the rounding residue goes to the month in which the loan's interest ends, so a loan's
  months always sum to its interest exactly (were that residue ever negative, which takes a loan
  earning fractions of a minor unit a month, the months before give it up, latest first).
- Early settlement on day `s` ends the interest: the period running on `s` earns its pro-rated
  interest over its days before `s` (the payoff quote's figure), later periods earn nothing.
- Recognised interest follows the loan: it is the interest earned through the last month the
  revenue run booked, or the interest the borrower has paid if that is more (a payment never
  takes interest that was not recognised first). A charged-off loan stops accruing: from the
  charge-off on only interest actually paid is income.
- Non-accrual (`non_accrual`): while a loan is at least its product's `nonAccrualDays` past due,
  only interest actually paid is income too; once it is back under them, it recognises again the
  interest earned through the last month booked, so nothing it earned is lost or booked twice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from lms.loans.domain.calculation.schedule import Installment
from lms.money import ZERO, round_money
from lms.text import ascii_digits

PRECISION = 40


@dataclass(frozen=True)
class InterestPeriod:
    """`amount` of interest earned evenly over the days from `start` (included) to `end` (excluded)."""

    start: date
    end: date
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def month_of(day: date) -> date:
    """A month is named by its first day."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(text: str) -> date:
    """'2026-05' -> 2026-05-01; ValueError for anything else."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not ascii_digits(year + month):
        raise ValueError("must be yyyy-MM")
    return date(int(year), int(month), 1)


def prorated_interest(installment: Installment, on: date, currency: str) -> Decimal:
    """What an installment's period earns up to `on` (excluded), as the payoff quote charges it."""
    if on <= installment.from_date:
        return round_money(ZERO, currency)
    if on >= installment.due_date:
        return installment.interest_due
    days = (installment.due_date - installment.from_date).days
    elapsed = (on - installment.from_date).days
    return round_money(installment.interest_due * elapsed / days, currency)


def interest_periods(schedule: list[Installment], currency: str, ends_on: date | None = None) -> list[InterestPeriod]:
    """Each installment's interest over its days, cut at `ends_on` (an early settlement) if given."""
    periods = []
    for installment in schedule:
        start, end, amount = installment.from_date, installment.due_date, installment.interest_due
        if ends_on is not None and end > ends_on:
            amount, end = prorated_interest(installment, ends_on, currency), max(ends_on, start)
        if amount and end > start:
            periods.append(InterestPeriod(start, end, amount))
    return periods


def monthly_interest(periods: list[InterestPeriod], currency: str) -> dict[date, Decimal]:
    """The interest each month earns, by the rules above (months with none are left out)."""
    exact: dict[date, Decimal] = {}
    with localcontext(prec=PRECISION):
        for period in periods:
            day = period.start
            while day < period.end:
                month = month_of(day)
                upto = min(period.end, next_month(month))
                share = period.amount * (upto - day).days / period.days
                exact[month] = exact.get(month, ZERO) + share
                day = upto
    if not exact:
        return {}
    total = sum((p.amount for p in periods), ZERO)
    months = sorted(exact)
    booked = {month: round_money(exact[month], currency) for month in months[:-1]}
    booked[months[-1]] = total - sum(booked.values(), ZERO)
    # Only a loan earning fractions of a minor unit a month can round its way past its total; the
    # last month then takes nothing and the excess comes off the months before it, latest first, so
    # that no month is negative (revenue is reported only above zero).
    last = months[-1]
    if booked[last] < 0:
        excess, booked[last] = -booked[last], booked[last] - booked[last]
        for month in reversed(months[:-1]):
            take = min(excess, booked[month])
            booked[month] -= take
            excess -= take
    return booked


def earned_through(monthly: dict[date, Decimal], month: date | None, currency: str) -> Decimal:
    """Interest earned in every month up to and including `month` (none before the first run)."""
    zero = round_money(ZERO, currency)
    if month is None:
        return zero
    return sum((amount for m, amount in monthly.items() if m <= month), zero)


def recognition_target(
    paid_interest: Decimal, earned: Decimal, *, charged_off: bool, non_accrual: bool = False
) -> Decimal:
    """The interest income a loan should show: earned (as booked by the runs) or paid, whichever is
    more; only what was paid while it is charged off or in non-accrual (`non_accrual`), so that the
    interest booked but unpaid is taken back there, and booked again once the loan is cured."""
    if charged_off or non_accrual:
        return paid_interest
    return max(paid_interest, earned)
