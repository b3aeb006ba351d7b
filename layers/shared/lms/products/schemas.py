"""Loan product request and response bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from lms.api.types import (
    DecimalNumber,
    NonBlankStr,
    NonNegativeAmount,
    PositiveAmount,
    RequestModel,
    ResponseModel,
    StrictBool,
    with_example,
)
from lms.products.domain import MAX_DELINQUENCY_BUCKETS, FeeRule, LoanProduct, ProcessingStrategy
from lms.products.servicing_rules import DEFAULT_BUCKETS, DEFAULT_NAME, LatePenalty

Count = Field(ge=1, le=1000, strict=True)


class FeeRuleIn(RequestModel):
    type: Literal["fixed", "percent"]
    """`fixed`: `value` is an amount; `percent`: `value` is a percentage of the principal."""
    value: NonNegativeAmount
    """The amount, or the percentage (2.5 means 2.5%)."""
    name: NonBlankStr | None = None
    """Name of the charge as shown on the loan."""


class LatePenaltyIn(RequestModel):
    type: Literal["fixed", "percent"]
    """`fixed`: `value` is the penalty; `percent`: `value` percent of the installment's overdue
    principal and interest."""
    value: PositiveAmount
    """The amount, or the percentage (2 means 2%, at most 100)."""
    grace_days: int = Field(default=0, ge=0, le=365, strict=True)
    """Days after the due date the installment may still be paid without a penalty; the penalty is
    dated the day after."""
    name: NonBlankStr | None = None
    """Name of the charge on the loan and in the accounting push (`Late payment penalty`)."""


class CreateProductRequest(RequestModel):
    model_config = with_example(
        {
            "name": "Halotel 30-Day",
            "shortName": "H30",
            "currency": "TZS",
            "principal": 50000,
            "minPrincipal": 10000,
            "maxPrincipal": 200000,
            "numberOfRepayments": 1,
            "repaymentEvery": 30,
            "repaymentFrequencyType": 0,
            "interestRatePerPeriod": 15,
            "interestRateFrequencyType": 4,
            "interestType": 1,
            "amortizationType": 1,
            "adminFee": {"type": "percent", "value": 2, "name": "Admin fee"},
            "vatRate": 18,
        }
    )

    name: NonBlankStr
    """The product's name, unique."""
    short_name: NonBlankStr | None = None
    """Short code shown in listings."""
    description: NonBlankStr | None = None
    """What the product is."""
    currency: NonBlankStr = Field(pattern=r"^[A-Z]{3}$")
    """ISO 4217 code of the product's loans (TZS)."""
    principal: PositiveAmount
    """Default principal of a loan."""
    min_principal: PositiveAmount | None = None
    """Smallest principal allowed; `principal` by default."""
    max_principal: PositiveAmount | None = None
    """Largest principal allowed; `principal` by default."""
    number_of_repayments: int = Count
    """Default number of installments."""
    min_number_of_repayments: int | None = Field(default=None, ge=1, le=1000, strict=True)
    """Fewest installments allowed; `numberOfRepayments` by default."""
    max_number_of_repayments: int | None = Field(default=None, ge=1, le=1000, strict=True)
    """Most installments allowed; `numberOfRepayments` by default."""
    repayment_every: int = Count
    """Installments fall every this many `repaymentFrequencyType` units."""
    repayment_frequency_type: Literal[0, 1, 2]
    """Unit of the repayment period: 0 days, 1 weeks, 2 months."""
    interest_rate_per_period: DecimalNumber = Field(ge=0)
    """Default interest rate in percent per `interestRateFrequencyType` period."""
    min_interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    """Lowest rate allowed; `interestRatePerPeriod` by default."""
    max_interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    """Highest rate allowed; `interestRatePerPeriod` by default."""
    interest_rate_frequency_type: Literal[0, 1, 2, 3, 4]
    """Period the rate is for: 0 per day, 1 per week, 2 per month, 3 per year, 4 the whole term."""
    interest_type: Literal[0, 1]
    """0 declining balance, 1 flat (on the original principal)."""
    amortization_type: Literal[0, 1]
    """0 equal principal, 1 equal installments."""
    interest_calculation_period_type: Literal[0, 1] = 1
    """0 daily, 1 same as the repayment period."""
    transaction_processing_strategy_code: ProcessingStrategy = ProcessingStrategy.MIFOS_STANDARD
    """Order a repayment pays what is due in."""
    days_in_year_type: Literal[1, 360, 365] = 365
    """Day-count convention: 1 actual, 360 or 365 days a year."""
    admin_fee: FeeRuleIn | None = None
    """Administration fee deducted from the payout."""
    vat_rate: NonNegativeAmount = Decimal(0)
    """VAT in percent charged on the deducted fees (18 means 18%)."""
    insurance: FeeRuleIn | None = None
    """Insurance premium deducted from the payout."""
    settlement_fee: FeeRuleIn | None = None
    """Fee added to the payoff of a settlement before maturity."""
    allow_partial_disbursement: StrictBool = False
    """Whether a loan may be disbursed for less than its approved principal."""
    deduct_first_period_interest: StrictBool = False
    """Whether the first period's interest is deducted from the payout."""
    delinquency_buckets: list[NonBlankStr] | None = Field(
        default=None, min_length=1, max_length=MAX_DELINQUENCY_BUCKETS
    )
    """Delinquency buckets by days past due, `first-last` then an open-ended `first+` last, from day
    1 without gaps; `1-30`, `31-60`, `61-90`, `91-180`, `181+` by default."""
    late_penalty: LatePenaltyIn | None = None
    """Penalty charged once on each installment still unpaid when its grace ends; none by default."""
    non_accrual_days: int | None = Field(default=None, ge=1, le=3650, strict=True)
    """Days past due from which interest is no longer income until paid (non-accrual); never by default."""
    reminder_days_before: int | None = Field(default=None, ge=0, le=365, strict=True)
    """Days before each due date the `loan.payment_due` webhook is sent; none by default."""

    def to_fields(self) -> dict:
        """The product's fields; a bound left out equals the default (no range)."""
        values = self.model_dump()
        for field in ("principal", "number_of_repayments", "interest_rate_per_period"):
            for bound in ("min_", "max_"):
                if values[bound + field] is None:
                    values[bound + field] = values[field]
        if values["delinquency_buckets"] is None:
            values["delinquency_buckets"] = DEFAULT_BUCKETS
        if values["late_penalty"] is not None and values["late_penalty"]["name"] is None:
            values["late_penalty"]["name"] = DEFAULT_NAME
        return values


class FeeRuleOut(ResponseModel):
    type: str
    value: Decimal
    name: str | None

    @classmethod
    def of(cls, rule: FeeRule | None) -> FeeRuleOut | None:
        return None if rule is None else cls(type=rule.type, value=rule.value, name=rule.name)


class LatePenaltyOut(ResponseModel):
    type: str
    value: Decimal
    grace_days: int
    name: str

    @classmethod
    def of(cls, rule: LatePenalty | None) -> LatePenaltyOut | None:
        return (
            None if rule is None else cls(type=rule.type, value=rule.value, grace_days=rule.grace_days, name=rule.name)
        )


class ProductOut(ResponseModel):
    id: str
    name: str
    short_name: str | None
    description: str | None
    currency: str
    principal: Decimal
    min_principal: Decimal
    max_principal: Decimal
    number_of_repayments: int
    min_number_of_repayments: int
    max_number_of_repayments: int
    repayment_every: int
    repayment_frequency_type: int
    interest_rate_per_period: Decimal
    min_interest_rate_per_period: Decimal
    max_interest_rate_per_period: Decimal
    interest_rate_frequency_type: int
    interest_type: int
    amortization_type: int
    interest_calculation_period_type: int
    transaction_processing_strategy_code: str
    days_in_year_type: int
    admin_fee: FeeRuleOut | None
    vat_rate: Decimal
    insurance: FeeRuleOut | None
    settlement_fee: FeeRuleOut | None
    allow_partial_disbursement: bool
    deduct_first_period_interest: bool
    delinquency_buckets: list[str]
    late_penalty: LatePenaltyOut | None
    non_accrual_days: int | None
    reminder_days_before: int | None
    created_at: str

    @classmethod
    def of(cls, product: LoanProduct) -> ProductOut:
        data = product.model_dump()
        data.update(
            id=str(product.id),
            admin_fee=FeeRuleOut.of(product.admin_fee),
            insurance=FeeRuleOut.of(product.insurance),
            settlement_fee=FeeRuleOut.of(product.settlement_fee),
            late_penalty=LatePenaltyOut.of(product.late_penalty),
            transaction_processing_strategy_code=product.transaction_processing_strategy_code.value,
        )
        return cls.model_validate(data)
