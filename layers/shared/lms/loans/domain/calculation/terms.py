"""A loan's terms: the product's defaults, overridden by the application within the product's bounds."""

from __future__ import annotations

from decimal import Decimal

from lms.errors import FieldProblems
from lms.models import LmsModel
from lms.products.domain import (
    AmortizationType,
    DaysInYear,
    InterestCalculationPeriod,
    InterestType,
    LoanProduct,
    PeriodFrequency,
    ProcessingStrategy,
    RateFrequency,
)


class LoanTerms(LmsModel):
    loan_term_frequency: int
    loan_term_frequency_type: PeriodFrequency
    number_of_repayments: int
    repayment_every: int
    repayment_frequency_type: PeriodFrequency
    interest_rate_per_period: Decimal
    interest_rate_frequency_type: RateFrequency
    interest_type: InterestType
    amortization_type: AmortizationType
    interest_calculation_period_type: InterestCalculationPeriod
    transaction_processing_strategy_code: ProcessingStrategy
    days_in_year_type: DaysInYear = DaysInYear.DAYS_365


class RequestedTerms(LmsModel):
    """Terms an application may give; anything left out comes from the product."""

    loan_term_frequency: int | None = None
    loan_term_frequency_type: int | None = None
    number_of_repayments: int | None = None
    repayment_every: int | None = None
    repayment_frequency_type: int | None = None
    interest_rate_per_period: Decimal | None = None
    interest_rate_frequency_type: int | None = None
    interest_type: int | None = None
    amortization_type: int | None = None
    interest_calculation_period_type: int | None = None
    transaction_processing_strategy_code: str | None = None


def _enum(problems: FieldProblems, field: str, enum, value, default):
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(f"{m.value} ({m.name.lower().replace('_', ' ')})" for m in enum)
        problems.add(field, f"must be one of {allowed}")
        return default


def resolve_terms(product: LoanProduct, requested: RequestedTerms) -> LoanTerms:
    """Merge requested terms over the product's; raise listing every term out of bounds."""
    problems = FieldProblems()
    repayments = requested.number_of_repayments or product.number_of_repayments
    if requested.number_of_repayments is not None and not (
        product.min_number_of_repayments <= repayments <= product.max_number_of_repayments
    ):
        problems.add(
            "numberOfRepayments",
            f"must lie between {product.min_number_of_repayments} and {product.max_number_of_repayments} "
            f"for product {product.id}",
        )
    rate = product.interest_rate_per_period
    if requested.interest_rate_per_period is not None:
        rate = requested.interest_rate_per_period
        if not product.min_interest_rate_per_period <= rate <= product.max_interest_rate_per_period:
            problems.add(
                "interestRatePerPeriod",
                f"must lie between {product.min_interest_rate_per_period} and "
                f"{product.max_interest_rate_per_period} for product {product.id}",
            )
    every = product.repayment_every if requested.repayment_every is None else requested.repayment_every
    if every < 1:
        problems.add("repaymentEvery", "must be at least 1")
    if requested.number_of_repayments is not None and requested.number_of_repayments < 1:
        problems.add("numberOfRepayments", "must be at least 1")
    frequency = _enum(
        problems,
        "repaymentFrequencyType",
        PeriodFrequency,
        requested.repayment_frequency_type,
        product.repayment_frequency_type,
    )
    terms = LoanTerms(
        loan_term_frequency=repayments * every,
        loan_term_frequency_type=frequency,
        number_of_repayments=repayments,
        repayment_every=every,
        repayment_frequency_type=frequency,
        interest_rate_per_period=rate,
        interest_rate_frequency_type=_enum(
            problems,
            "interestRateFrequencyType",
            RateFrequency,
            requested.interest_rate_frequency_type,
            product.interest_rate_frequency_type,
        ),
        interest_type=_enum(problems, "interestType", InterestType, requested.interest_type, product.interest_type),
        amortization_type=_enum(
            problems, "amortizationType", AmortizationType, requested.amortization_type, product.amortization_type
        ),
        interest_calculation_period_type=_enum(
            problems,
            "interestCalculationPeriodType",
            InterestCalculationPeriod,
            requested.interest_calculation_period_type,
            product.interest_calculation_period_type,
        ),
        transaction_processing_strategy_code=_enum(
            problems,
            "transactionProcessingStrategyCode",
            ProcessingStrategy,
            requested.transaction_processing_strategy_code,
            product.transaction_processing_strategy_code,
        ),
    )
    terms = terms.model_copy(update={"days_in_year_type": product.days_in_year_type})
    if requested.loan_term_frequency is not None and requested.loan_term_frequency != terms.loan_term_frequency:
        problems.add(
            "loanTermFrequency",
            f"must equal numberOfRepayments x repaymentEvery ({repayments} x {every} = {terms.loan_term_frequency})",
        )
    if requested.loan_term_frequency_type is not None and requested.loan_term_frequency_type != frequency:
        problems.add("loanTermFrequencyType", "must equal repaymentFrequencyType")
    problems.raise_if_any()
    return terms
