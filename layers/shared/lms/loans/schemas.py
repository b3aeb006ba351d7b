"""Loan request and response bodies (the seed's field names)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from lms.api.types import DecimalNumber, EntityId, IsoDate, LongText, NonBlankStr, PositiveAmount, RequestModel
from lms.api.types import ResponseModel as Out
from lms.loans.domain.application import LoanApplication
from lms.loans.domain.balances import loan_summary
from lms.loans.domain.loan import Loan
from lms.loans.domain.terms import RequestedTerms

SmallCount = Field(default=None, ge=1, le=1000, strict=True)


class CreateLoanRequest(RequestModel):
    customer_id: EntityId
    product_id: EntityId
    principal: PositiveAmount
    submitted_on_date: IsoDate
    expected_disbursement_date: IsoDate
    repayments_starting_from_date: IsoDate | None = None
    loan_type: Literal["individual"] = "individual"
    external_id: NonBlankStr | None = None
    note: LongText | None = None
    loan_term_frequency: int | None = SmallCount
    loan_term_frequency_type: Literal[0, 1, 2] | None = None
    number_of_repayments: int | None = SmallCount
    repayment_every: int | None = SmallCount
    repayment_frequency_type: Literal[0, 1, 2] | None = None
    interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    interest_rate_frequency_type: Literal[0, 1, 2, 3, 4] | None = None
    interest_type: Literal[0, 1] | None = None
    amortization_type: Literal[0, 1] | None = None
    interest_calculation_period_type: Literal[0, 1] | None = None
    transaction_processing_strategy_code: NonBlankStr | None = None

    def to_application(self) -> LoanApplication:
        values = self.model_dump()
        terms = RequestedTerms.model_validate({k: values.pop(k) for k in RequestedTerms.model_fields})
        return LoanApplication.model_validate({**values, "terms": terms})


class ApproveLoanRequest(RequestModel):
    approved_on_date: IsoDate
    approved_loan_amount: PositiveAmount | None = None
    note: LongText | None = None


class NoteRequest(RequestModel):
    note: LongText | None = None


class RejectLoanRequest(RequestModel):
    rejected_on_date: IsoDate
    note: LongText | None = None


class WithdrawLoanRequest(RequestModel):
    withdrawn_on_date: IsoDate
    note: LongText | None = None


class LoanSummaryOut(Out):
    principal_disbursed: Decimal
    principal_outstanding: Decimal
    interest_outstanding: Decimal
    fees_outstanding: Decimal
    penalties_outstanding: Decimal
    total_outstanding: Decimal
    total_overpaid: Decimal


class TimelineEventOut(Out):
    action: str
    date: dt.date | None
    note: str | None
    at: str
    by: str


class LoanOut(Out):
    id: str
    customer_id: str
    customer_name: str
    product_id: str
    office_id: str
    loan_type: str
    external_id: str | None
    currency: str
    status: str
    principal: Decimal
    requested_principal: Decimal
    approved_principal: Decimal | None
    loan_term_frequency: int
    loan_term_frequency_type: int
    number_of_repayments: int
    repayment_every: int
    repayment_frequency_type: int
    interest_rate_per_period: Decimal
    interest_rate_frequency_type: int
    interest_type: int
    amortization_type: int
    interest_calculation_period_type: int
    transaction_processing_strategy_code: str
    submitted_on_date: date
    expected_disbursement_date: date
    repayments_starting_from_date: date | None
    approved_on_date: date | None
    rejected_on_date: date | None
    withdrawn_on_date: date | None
    disbursed_on_date: date | None
    closed_on_date: date | None
    charged_off: bool
    charged_off_on: date | None
    summary: LoanSummaryOut
    timeline: list[TimelineEventOut]
    version: int

    @classmethod
    def of(cls, loan: Loan, summary: dict[str, Decimal]) -> LoanOut:
        terms = loan.terms.model_dump(mode="python")
        terms["transaction_processing_strategy_code"] = loan.terms.transaction_processing_strategy_code.value
        plain = set(cls.model_fields) - {"terms", "timeline", "status", "summary"}
        data = loan.model_dump(include=plain & set(type(loan).model_fields))
        return cls.model_validate(
            {
                **data,
                **{k: int(v) if not isinstance(v, (Decimal, str)) else v for k, v in terms.items()},
                "id": str(loan.id),
                "customer_id": str(loan.customer_id),
                "product_id": str(loan.product_id),
                "office_id": str(loan.office_id),
                "status": loan.status.value,
                "summary": LoanSummaryOut.model_validate(summary),
                "timeline": [TimelineEventOut.model_validate(t.model_dump()) for t in loan.timeline],
            }
        )


def render_loan(loan: Loan) -> LoanOut:
    return LoanOut.of(loan, loan_summary(loan))
