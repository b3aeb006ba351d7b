"""Loan products and the enumerations loan terms use (Fineract's codes, as the seed's requests carry them)."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import Literal

from lms.errors import FieldProblems
from lms.models import LmsModel
from lms.money import ZERO, MoneyError, is_supported_currency, round_money, to_money
from lms.products.servicing_rules import DEFAULT_BUCKETS, DelinquencyBuckets, LatePenalty, check_late_penalty

HUNDRED = Decimal(100)
# Limits on the servicing rules (docs/cob.md): ten years past due, a year's reminder, 20 buckets.
MAX_NON_ACCRUAL_DAYS = 3650
MAX_REMINDER_DAYS_BEFORE = 365
MAX_DELINQUENCY_BUCKETS = 20


class PeriodFrequency(IntEnum):
    DAYS = 0
    WEEKS = 1
    MONTHS = 2


class RateFrequency(IntEnum):
    PER_DAY = 0
    PER_WEEK = 1
    PER_MONTH = 2
    PER_YEAR = 3
    WHOLE_TERM = 4


class InterestType(IntEnum):
    DECLINING_BALANCE = 0
    FLAT = 1


class AmortizationType(IntEnum):
    EQUAL_PRINCIPAL = 0
    EQUAL_INSTALLMENTS = 1


class InterestCalculationPeriod(IntEnum):
    DAILY = 0
    SAME_AS_REPAYMENT_PERIOD = 1


class DaysInYear(IntEnum):
    """The day-count convention (Fineract's daysInYearType): actual/actual, or a fixed year."""

    ACTUAL = 1
    DAYS_360 = 360
    DAYS_365 = 365


class ProcessingStrategy(StrEnum):
    # Installment by installment in due order: penalties, fees, interest, principal.
    MIFOS_STANDARD = "mifos-standard-strategy"
    # Installment by installment in due order: interest, principal, penalties, fees.
    INTEREST_PRINCIPAL_FIRST = "interest-principal-penalties-fees-order-strategy"


class FeeRule(LmsModel):
    """A charge computed from the principal: a fixed amount or a percentage of it."""

    type: Literal["fixed", "percent"]
    value: Decimal
    name: str | None = None


def fee_amount(rule: FeeRule | None, principal: Decimal, currency: str) -> Decimal:
    """A fee rule applied to a principal, in the currency's minor units (half-even)."""
    if rule is None:
        return round_money(ZERO, currency)
    if rule.type == "percent":
        return round_money(principal * rule.value / HUNDRED, currency)
    return round_money(rule.value, currency)


class LoanProduct(LmsModel):
    id: int
    name: str
    short_name: str | None = None
    description: str | None = None
    currency: str
    principal: Decimal
    min_principal: Decimal
    max_principal: Decimal
    number_of_repayments: int
    min_number_of_repayments: int
    max_number_of_repayments: int
    repayment_every: int
    repayment_frequency_type: PeriodFrequency
    interest_rate_per_period: Decimal
    min_interest_rate_per_period: Decimal
    max_interest_rate_per_period: Decimal
    interest_rate_frequency_type: RateFrequency
    interest_type: InterestType
    amortization_type: AmortizationType
    interest_calculation_period_type: InterestCalculationPeriod = InterestCalculationPeriod.SAME_AS_REPAYMENT_PERIOD
    transaction_processing_strategy_code: ProcessingStrategy = ProcessingStrategy.MIFOS_STANDARD
    days_in_year_type: DaysInYear = DaysInYear.DAYS_365
    admin_fee: FeeRule | None = None
    vat_rate: Decimal = Decimal(0)
    insurance: FeeRule | None = None
    settlement_fee: FeeRule | None = None
    allow_partial_disbursement: bool = False
    deduct_first_period_interest: bool = False
    # Servicing past due (docs/cob.md); a product stored before they existed has the defaults.
    delinquency_buckets: tuple[str, ...] = DEFAULT_BUCKETS
    late_penalty: LatePenalty | None = None
    non_accrual_days: int | None = None  # None: interest accrues however late the loan is
    reminder_days_before: int | None = None  # None: no loan.payment_due reminders
    created_at: str


def check_product(product: LoanProduct) -> LoanProduct:
    """Validate a product's bounds and amounts; return it with money at the currency's scale."""
    problems = FieldProblems()
    if not is_supported_currency(product.currency):
        problems.add("currency", f"unsupported currency {product.currency!r}")
        problems.raise_if_any()
    updates: dict = {}
    for name in ("principal", "min_principal", "max_principal"):
        camel = _camel(name)
        try:
            updates[name] = to_money(getattr(product, name), product.currency)
        except MoneyError as err:
            problems.add(camel, str(err))
        else:
            if updates[name] <= 0:
                problems.add(camel, "must be greater than 0")
    problems.raise_if_any()
    _check_bounds(problems, "Principal", updates["min_principal"], updates["principal"], updates["max_principal"])
    _check_bounds(
        problems,
        "NumberOfRepayments",
        product.min_number_of_repayments,
        product.number_of_repayments,
        product.max_number_of_repayments,
    )
    _check_bounds(
        problems,
        "InterestRatePerPeriod",
        product.min_interest_rate_per_period,
        product.interest_rate_per_period,
        product.max_interest_rate_per_period,
    )
    if product.min_number_of_repayments < 1:
        problems.add("minNumberOfRepayments", "must be at least 1")
    if product.repayment_every < 1:
        problems.add("repaymentEvery", "must be at least 1")
    if product.min_interest_rate_per_period < 0:
        problems.add("minInterestRatePerPeriod", "must not be negative")
    if not 0 <= product.vat_rate <= HUNDRED:
        problems.add("vatRate", "must be a percentage from 0 to 100")
    for name in ("admin_fee", "insurance", "settlement_fee"):
        rule: FeeRule | None = getattr(product, name)
        if rule is None:
            continue
        camel = _camel(name)
        if rule.value < 0:
            problems.add(f"{camel}.value", "must not be negative")
        elif rule.type == "percent" and rule.value > HUNDRED:
            problems.add(f"{camel}.value", "a percentage must not exceed 100")
        elif rule.type == "fixed":
            try:
                to_money(rule.value, product.currency)
            except MoneyError as err:
                problems.add(f"{camel}.value", str(err))
    if product.non_accrual_days is not None and not 1 <= product.non_accrual_days <= MAX_NON_ACCRUAL_DAYS:
        problems.add("nonAccrualDays", f"must be from 1 to {MAX_NON_ACCRUAL_DAYS} days past due")
    if product.reminder_days_before is not None and not 0 <= product.reminder_days_before <= MAX_REMINDER_DAYS_BEFORE:
        problems.add("reminderDaysBefore", f"must be from 0 to {MAX_REMINDER_DAYS_BEFORE} days")
    if len(product.delinquency_buckets) > MAX_DELINQUENCY_BUCKETS:
        problems.add("delinquencyBuckets", f"must name at most {MAX_DELINQUENCY_BUCKETS} buckets")
    problems.raise_if_any()
    updates["delinquency_buckets"] = DelinquencyBuckets.parse(product.delinquency_buckets).names
    if product.late_penalty is not None:
        updates["late_penalty"] = check_late_penalty(product.late_penalty, product.currency)
    return product.model_copy(update=updates)


def _check_bounds(problems: FieldProblems, suffix: str, low, default, high) -> None:
    field = suffix[0].lower() + suffix[1:]
    if low > high:
        problems.add(f"min{suffix}", f"must not exceed max{suffix}")
    elif not low <= default <= high:
        problems.add(field, f"must lie between min{suffix} and max{suffix}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
