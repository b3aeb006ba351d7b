"""A loan's repayment schedule: due dates and the principal and interest each installment collects.

Rules (Decimal throughout, never float; intermediate math runs at 40 significant digits):

Rates. The loan's rate is a percent; the fraction is rate / 100. A repayment period is
`repayment_every` units of the repayment frequency.
- Within a family the conversion is exact: days and weeks (a week is 7 days), months and years
  (a year is 12 months). Fineract goes through a 52-week, 365-day year even here, which makes 11% a
  week come to 10.97% over 7 days; we keep the exact figure (the seed's worked example charges
  1,100 on 10,000 for one 7-day week).
- Across families, as Fineract: week periods with a per-month or per-year rate take a week as a
  52nd of the year (per-month x 12 / 52); day periods use the product's year (per-year x days /
  365, per-month x 12 x days / 365; 360 on a 360-day year); month periods with a per-day or per-week
  rate use per-day x 365/12 and per-week x 52/12 per month.
- A whole-term rate is spread evenly: per period = fraction / number_of_repayments.
- The nominal annual rate (for daily interest) is per-day x 365 (360), per-week x 52, per-month x 12,
  per-year x 1; a whole-term rate is fraction x 365 / term days, where the term is
  number_of_repayments periods and a month counts as 365/12 days.
- Day count (the product's `daysInYearType`): 365 (actual/365 fixed, the default), 360
  (actual/360) or 1 (actual/actual: each day is a 365th or, in a leap year, a 366th of the year).

Due dates. Installment i (1-based) falls i periods after disbursement, or, given a first repayment
date, on that date and (i - 1) periods after it. Months are calendar months counted from that
anchor date each time (never chained from the previous due date), clamped to the month's last day,
so Jan 31 gives Feb 28 (29), Mar 31, Apr 30, ...

Amounts. Rounding is half-even to the currency's minor units (`round_money`), only where stated:
- Flat: total interest = round(principal x periodic rate x n), split as round(total / n) per
  installment; principal is split as round(principal / n); the last installment takes both residues.
- Declining balance, equal principal: principal split as for flat; interest = round(balance x rate).
- Declining balance, equal installments (annuity): installment = round(P r / (1 - (1 + r)^-n)) (a
  plain principal split when r = 0); interest = round(balance x r), principal = installment - interest;
  the last installment's principal is the remaining balance.
- Daily interest calculation (declining balance only; flat interest ignores it): a period's interest
  is round(balance x annual rate x the period's part of a year under the day count); the annuity
  amount still comes from the periodic rate.
- A broken first period (a first repayment date that makes it shorter or longer than a regular
  one) earns its interest pro-rated by days: x (its days / the days of the regular period that would
  end on the same due date). Flat loans: the first installment's interest is pro-rated, the others
  keep round(principal x rate) each (the last takes the residue). Daily interest counts the actual
  days anyway.
- No installment collects more principal than is outstanding, nor a negative principal: where
  rounding a share up would overdraw the balance, the share is cut to what remains; where interest
  exceeds the annuity amount, that installment's principal is zero. Either way the last installment
  clears the balance, so the principal always sums to the loan's principal exactly.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import ParamSpec, TypeVar

from lms.loans.domain.calculation.terms import LoanTerms
from lms.models import LmsModel
from lms.money import ZERO, MoneyError, is_supported_currency, round_money, to_money
from lms.products.domain import (
    AmortizationType,
    DaysInYear,
    InterestCalculationPeriod,
    InterestType,
    PeriodFrequency,
    RateFrequency,
)

HUNDRED = Decimal(100)
DAYS_PER_YEAR = Decimal(365)
DAYS_PER_WEEK = Decimal(7)
WEEKS_PER_YEAR = Decimal(52)
MONTHS_PER_YEAR = Decimal(12)

# Rates like 10%/12 never terminate; 40 digits keeps the rounding error far below a minor unit.
PRECISION = 40

P = ParamSpec("P")
R = TypeVar("R")


class Installment(LmsModel):
    """One installment (numbered from 1), covering from_date up to its due date; fees and penalties come later."""

    number: int
    from_date: date
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    fees_due: Decimal = Decimal(0)
    penalties_due: Decimal = Decimal(0)

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fees_due + self.penalties_due


def _precise(fn: Callable[P, R]) -> Callable[P, R]:
    """Run under our own precision so a caller's decimal context cannot change a schedule."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(prec=PRECISION):
            return fn(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Validation


def _check_terms(terms: LoanTerms) -> None:
    if terms.number_of_repayments < 1:
        raise ValueError(f"number_of_repayments must be at least 1, got {terms.number_of_repayments}")
    if terms.repayment_every < 1:
        raise ValueError(f"repayment_every must be at least 1, got {terms.repayment_every}")
    rate = terms.interest_rate_per_period
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"interest_rate_per_period must be a number of at least 0, got {rate}")


def _check_principal(principal: Decimal, currency: str) -> Decimal:
    if not is_supported_currency(currency):
        raise ValueError(f"unsupported currency {currency!r}")
    if not isinstance(principal, Decimal) or not principal.is_finite() or principal <= 0:
        raise ValueError(f"principal must be a Decimal greater than 0, got {principal!r}")
    try:
        # The principal split must sum back to the principal exactly, so it must already be money.
        return to_money(principal, currency)
    except MoneyError as err:
        raise ValueError(f"principal {err}") from None


# ---------------------------------------------------------------------------------------------
# Rates


def _fraction(terms: LoanTerms) -> Decimal:
    return terms.interest_rate_per_period / HUNDRED


def _period_days(terms: LoanTerms) -> Decimal:
    """Days in one repayment period; a month counts as 365/12 days."""
    every = Decimal(terms.repayment_every)
    match terms.repayment_frequency_type:
        case PeriodFrequency.DAYS:
            return every
        case PeriodFrequency.WEEKS:
            return every * DAYS_PER_WEEK
        case PeriodFrequency.MONTHS:
            return every * DAYS_PER_YEAR / MONTHS_PER_YEAR
    raise ValueError(f"unknown repayment frequency {terms.repayment_frequency_type!r}")


@_precise
def periodic_rate(terms: LoanTerms) -> Decimal:
    """The interest rate of one repayment period, as a fraction (12% a year, monthly -> 0.01)."""
    _check_terms(terms)
    fraction = _fraction(terms)
    rate_unit = terms.interest_rate_frequency_type
    if rate_unit is RateFrequency.WHOLE_TERM:
        return fraction / terms.number_of_repayments
    if terms.repayment_frequency_type is PeriodFrequency.MONTHS:
        months = Decimal(terms.repayment_every)
        match rate_unit:
            case RateFrequency.PER_MONTH:
                return fraction * months
            case RateFrequency.PER_YEAR:
                return fraction * months / MONTHS_PER_YEAR
            case RateFrequency.PER_DAY:
                return fraction * DAYS_PER_YEAR * months / MONTHS_PER_YEAR
            case RateFrequency.PER_WEEK:
                return fraction * WEEKS_PER_YEAR * months / MONTHS_PER_YEAR
    elif terms.repayment_frequency_type is PeriodFrequency.WEEKS and rate_unit in (
        RateFrequency.PER_MONTH,
        RateFrequency.PER_YEAR,
    ):
        # As Fineract: a week is a 52nd of the year (100,000 at 3% a month for a week: 692.31).
        yearly = fraction * MONTHS_PER_YEAR if rate_unit is RateFrequency.PER_MONTH else fraction
        return yearly / WEEKS_PER_YEAR * terms.repayment_every
    else:
        days = _period_days(terms)
        match rate_unit:
            case RateFrequency.PER_DAY:
                return fraction * days
            case RateFrequency.PER_WEEK:
                return fraction * days / DAYS_PER_WEEK
            case RateFrequency.PER_MONTH:
                return fraction * MONTHS_PER_YEAR * days / year_days(terms)
            case RateFrequency.PER_YEAR:
                return fraction * days / year_days(terms)
    raise ValueError(f"unknown interest rate frequency {rate_unit!r}")


def year_days(terms: LoanTerms) -> Decimal:
    """Days in a year for converting a rate to a run of days: 360 on a 360-day year, else 365
    (actual/actual counts each year's own days where interest is daily, as Fineract does)."""
    return Decimal(360) if terms.days_in_year_type is DaysInYear.DAYS_360 else DAYS_PER_YEAR


def year_fraction(start: date, end: date, convention: DaysInYear) -> Decimal:
    """The part of a year from `start` to `end` under the day-count convention."""
    if convention is not DaysInYear.ACTUAL:
        return Decimal((end - start).days) / Decimal(int(convention))
    total = Decimal(0)
    day = start
    while day < end:
        upto = min(end, date(day.year + 1, 1, 1))
        total += Decimal((upto - day).days) / Decimal(366 if calendar.isleap(day.year) else 365)
        day = upto
    return total


@_precise
def annual_rate(terms: LoanTerms) -> Decimal:
    """The nominal annual rate as a fraction, which daily interest pro-rates over 365 days."""
    _check_terms(terms)
    fraction = _fraction(terms)
    match terms.interest_rate_frequency_type:
        case RateFrequency.PER_DAY:
            return fraction * year_days(terms)
        case RateFrequency.PER_WEEK:
            return fraction * WEEKS_PER_YEAR
        case RateFrequency.PER_MONTH:
            return fraction * MONTHS_PER_YEAR
        case RateFrequency.PER_YEAR:
            return fraction
        case RateFrequency.WHOLE_TERM:
            term_days = terms.number_of_repayments * _period_days(terms)
            return fraction * DAYS_PER_YEAR / term_days
    raise ValueError(f"unknown interest rate frequency {terms.interest_rate_frequency_type!r}")


# ---------------------------------------------------------------------------------------------
# Dates


def add_period(start: date, frequency: PeriodFrequency, count: int) -> date:
    """`count` days, weeks or calendar months after `start` (months clamp to the month's last day)."""
    match frequency:
        case PeriodFrequency.DAYS:
            return start + timedelta(days=count)
        case PeriodFrequency.WEEKS:
            return start + timedelta(weeks=count)
        case PeriodFrequency.MONTHS:
            year, month_index = divmod(start.year * 12 + start.month - 1 + count, 12)
            month = month_index + 1
            return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"unknown period frequency {frequency!r}")


def due_dates(disbursement_date: date, terms: LoanTerms, first_repayment_date: date | None = None) -> list[date]:
    """Each installment's due date, counted from one anchor so month-end clamping never drifts."""
    _check_terms(terms)
    if first_repayment_date is None:
        anchor, skipped = disbursement_date, 1
    elif first_repayment_date <= disbursement_date:
        raise ValueError(
            f"first_repayment_date {first_repayment_date} must be after the disbursement date {disbursement_date}"
        )
    else:
        anchor, skipped = first_repayment_date, 0
    frequency, every = terms.repayment_frequency_type, terms.repayment_every
    return [add_period(anchor, frequency, (i + skipped) * every) for i in range(terms.number_of_repayments)]


# ---------------------------------------------------------------------------------------------
# Amounts


def _split(total: Decimal, n: int, currency: str) -> list[Decimal]:
    """n rounded equal shares of total; the last takes the residue so the shares sum to total exactly."""
    share = round_money(total / n, currency)
    shares: list[Decimal] = []
    left = total
    for _ in range(n - 1):
        # Rounding up many tiny shares could overdraw the total and leave the last one negative.
        part = min(share, left)
        shares.append(part)
        left -= part
    shares.append(left)
    return shares


InterestRule = Callable[[Decimal, int], Decimal]


def _interest_rule(
    terms: LoanTerms, currency: str, periods: list[tuple[date, date]], first_factor: Decimal
) -> InterestRule:
    """Interest on a balance over period k (0-based): per repayment period (the first pro-rated when
    it is broken) or per actual day under the product's day count."""
    if terms.interest_calculation_period_type is InterestCalculationPeriod.DAILY:
        yearly = annual_rate(terms)

        def daily(balance: Decimal, k: int) -> Decimal:
            start, end = periods[k]
            return round_money(balance * yearly * year_fraction(start, end, terms.days_in_year_type), currency)

        return daily

    rate = periodic_rate(terms)

    def per_period(balance: Decimal, k: int) -> Decimal:
        return round_money(balance * rate * (first_factor if k == 0 else 1), currency)

    return per_period


def first_period_factor(disbursement_date: date, dues: list[date], terms: LoanTerms) -> Decimal:
    """How much of a regular period the first one is: a first repayment date can make it shorter or
    longer (a broken period), and its interest is pro-rated by days against the regular period
    that would end on the same due date."""
    regular_start = add_period(dues[0], terms.repayment_frequency_type, -terms.repayment_every)
    return Decimal((dues[0] - disbursement_date).days) / Decimal((dues[0] - regular_start).days)


def _flat(
    principal: Decimal, currency: str, terms: LoanTerms, first_factor: Decimal
) -> tuple[list[Decimal], list[Decimal]]:
    n = terms.number_of_repayments
    if first_factor == 1:
        total_interest = round_money(principal * periodic_rate(terms) * n, currency)
        return _split(principal, n, currency), _split(total_interest, n, currency)
    per_period = principal * periodic_rate(terms)
    first = round_money(per_period * first_factor, currency)
    rest = _split(round_money(per_period * (n - 1), currency), n - 1, currency) if n > 1 else []
    return _split(principal, n, currency), [first, *rest]


def _equal_principal(
    principal: Decimal, currency: str, terms: LoanTerms, interest_on: InterestRule
) -> tuple[list[Decimal], list[Decimal]]:
    principals = _split(principal, terms.number_of_repayments, currency)
    interests = []
    balance = principal
    for k, part in enumerate(principals):
        interests.append(interest_on(balance, k))
        balance -= part
    return principals, interests


def _annuity_amount(principal: Decimal, rate: Decimal, n: int, currency: str) -> Decimal:
    """The level installment P r / (1 - (1 + r)^-n), rounded; zero rate is a plain split."""
    if rate == 0:
        return round_money(principal / n, currency)
    return round_money(principal * rate / (1 - (1 + rate) ** -n), currency)


def _equal_installments(
    principal: Decimal, currency: str, terms: LoanTerms, interest_on: InterestRule
) -> tuple[list[Decimal], list[Decimal]]:
    n = terms.number_of_repayments
    rate = periodic_rate(terms)
    zero = round_money(ZERO, currency)
    if rate == 0:
        return _split(principal, n, currency), [zero] * n
    installment = _annuity_amount(principal, rate, n, currency)
    principals, interests = [], []
    balance = principal
    for k in range(n - 1):
        interest = interest_on(balance, k)
        # Daily interest over a long period can exceed the level amount, and rounding can repay a
        # tiny loan early; principal stays between zero and what is outstanding.
        part = min(max(installment - interest, zero), balance)
        principals.append(part)
        interests.append(interest)
        balance -= part
    # The last installment clears whatever the rounded installments left.
    principals.append(balance)
    interests.append(interest_on(balance, n - 1))
    return principals, interests


@_precise
def build_schedule(
    principal: Decimal,
    currency: str,
    terms: LoanTerms,
    disbursement_date: date,
    first_repayment_date: date | None = None,
) -> list[Installment]:
    """The loan's installments, principal and interest only (fees and penalties are added later)."""
    principal = _check_principal(principal, currency)
    dues = due_dates(disbursement_date, terms, first_repayment_date)
    periods = list(zip([disbursement_date, *dues[:-1]], dues, strict=True))
    factor = first_period_factor(disbursement_date, dues, terms) if first_repayment_date else Decimal(1)
    if terms.interest_type is InterestType.FLAT:
        principals, interests = _flat(principal, currency, terms, factor)
    else:
        interest_on = _interest_rule(terms, currency, periods, factor)
        if terms.amortization_type is AmortizationType.EQUAL_PRINCIPAL:
            principals, interests = _equal_principal(principal, currency, terms, interest_on)
        else:
            principals, interests = _equal_installments(principal, currency, terms, interest_on)
    zero = round_money(ZERO, currency)
    return [
        Installment(
            number=k + 1,
            from_date=start,
            due_date=end,
            principal_due=principals[k],
            interest_due=interests[k],
            fees_due=zero,
            penalties_due=zero,
        )
        for k, (start, end) in enumerate(periods)
    ]
