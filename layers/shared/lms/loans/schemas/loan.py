"""Loan request and response bodies (the seed's field names)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from lms import clock
from lms.api.types import (
    DecimalNumber,
    EntityId,
    IsoDate,
    LongText,
    NonBlankStr,
    PositiveAmount,
    RequestModel,
    with_example,
)
from lms.api.types import ResponseModel as Out
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.calculation.terms import RequestedTerms
from lms.loans.domain.operations.balances import loan_summary
from lms.loans.domain.operations.delinquency import loan_delinquency
from lms.loans.schemas.delinquency import DelinquencyOut

if TYPE_CHECKING:
    from lms.loans.domain.aggregate.application import LoanApplication

SmallCount = Field(default=None, ge=1, le=1000, strict=True)


class CreateLoanRequest(RequestModel):
    model_config = with_example(
        {
            "customerId": 1,
            "productId": 1,
            "principal": 10000,
            "loanTermFrequency": 7,
            "loanTermFrequencyType": 0,
            "numberOfRepayments": 1,
            "repaymentEvery": 7,
            "repaymentFrequencyType": 0,
            "interestRatePerPeriod": 11,
            "amortizationType": 1,
            "interestType": 1,
            "interestCalculationPeriodType": 1,
            "transactionProcessingStrategyCode": "mifos-standard-strategy",
            "expectedDisbursementDate": "2026-05-23",
            "submittedOnDate": "2026-05-23",
            "loanType": "individual",
        }
    )

    customer_id: EntityId
    """The borrower: an active customer's id."""
    product_id: EntityId
    """The loan product whose terms and ranges apply (see GET /v1/loan-products)."""
    principal: PositiveAmount
    """Amount applied for, in the product's currency; within the product's principal range."""
    submitted_on_date: IsoDate
    """Business date of the application (yyyy-MM-dd), not in the future."""
    expected_disbursement_date: IsoDate
    """When the money is expected to be paid out (yyyy-MM-dd), on or after the submission date."""
    repayments_starting_from_date: IsoDate | None = None
    """First installment's due date; by default one repayment period after disbursement."""
    loan_type: Literal["individual"] = "individual"
    """Always `individual` (group loans are not offered)."""
    external_id: NonBlankStr | None = None
    """Your own reference for the loan, unique among loans."""
    note: LongText | None = None
    """Free text kept with the application."""
    loan_term_frequency: int | None = SmallCount
    """Length of the term, in `loanTermFrequencyType` units; the product's term by default."""
    loan_term_frequency_type: Literal[0, 1, 2] | None = None
    """Unit of the term: 0 days, 1 weeks, 2 months."""
    number_of_repayments: int | None = SmallCount
    """How many installments; within the product's range."""
    repayment_every: int | None = SmallCount
    """Installments fall every this many `repaymentFrequencyType` units."""
    repayment_frequency_type: Literal[0, 1, 2] | None = None
    """Unit of the repayment period: 0 days, 1 weeks, 2 months."""
    interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    """Interest rate in percent per `interestRateFrequencyType` period (11 means 11%); within the product's range."""
    interest_rate_frequency_type: Literal[0, 1, 2, 3, 4] | None = None
    """Period the rate is for: 0 per day, 1 per week, 2 per month, 3 per year, 4 the whole term."""
    interest_type: Literal[0, 1] | None = None
    """0 declining balance, 1 flat (on the original principal)."""
    amortization_type: Literal[0, 1] | None = None
    """0 equal principal, 1 equal installments."""
    interest_calculation_period_type: Literal[0, 1] | None = None
    """0 daily, 1 same as the repayment period."""
    transaction_processing_strategy_code: NonBlankStr | None = None
    """Order a repayment pays what is due in: `mifos-standard-strategy` or `interest-principal-penalties-fees-order-
    strategy`; the product's by default."""

    def to_application(self) -> LoanApplication:
        # Imported here: only the create route makes an application, and the application brings the
        # customer's domain, which every other loan route would load at its cold start for nothing.
        from lms.loans.domain.aggregate.application import LoanApplication

        values = self.model_dump()
        terms = RequestedTerms.model_validate({k: values.pop(k) for k in RequestedTerms.model_fields})
        return LoanApplication.model_validate({**values, "terms": terms})


class ApproveLoanRequest(RequestModel):
    model_config = with_example({"approvedOnDate": "2026-05-23", "approvedLoanAmount": 10000})

    approved_on_date: IsoDate
    """Business date of the approval (yyyy-MM-dd), on or after the submission date."""
    approved_loan_amount: PositiveAmount | None = None
    """Principal approved, at most the amount applied for; the amount applied for by default."""
    note: LongText | None = None
    """Free text kept with the approval."""


class NoteRequest(RequestModel):
    note: LongText | None = None
    """Free text kept with the change."""


class RejectLoanRequest(RequestModel):
    model_config = with_example({"rejectedOnDate": "2026-05-23", "note": "Income could not be verified"})

    rejected_on_date: IsoDate
    """Business date of the rejection (yyyy-MM-dd)."""
    note: LongText | None = None
    """Why the application was rejected."""


class WithdrawLoanRequest(RequestModel):
    model_config = with_example({"withdrawnOnDate": "2026-05-23", "note": "Borrower found other financing"})

    withdrawn_on_date: IsoDate
    """Business date the applicant withdrew (yyyy-MM-dd)."""
    note: LongText | None = None
    """Why the applicant withdrew."""


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
    delinquency: DelinquencyOut | None
    """How late the loan is at the end of the business date (`asOf`); null before disbursement."""
    timeline: list[TimelineEventOut]
    version: int

    @classmethod
    def of(cls, loan: Loan, summary: dict[str, Decimal], delinquency: DelinquencyOut | None = None) -> LoanOut:
        terms = loan.terms.model_dump(mode="python")
        terms["transaction_processing_strategy_code"] = loan.terms.transaction_processing_strategy_code.value
        plain = set(cls.model_fields) - {"terms", "timeline", "status", "summary", "delinquency"}
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
                "delinquency": delinquency,
                "timeline": [TimelineEventOut.model_validate(t.model_dump()) for t in loan.timeline],
            }
        )


def render_loan(loan: Loan, as_of: date | None = None) -> LoanOut:
    """The loan as answers show it; its delinquency as of `as_of`, the business date by default."""
    position = position_of(loan) if loan.schedule else None  # one replay for the summary and the delinquency
    found = loan_delinquency(loan, as_of or clock.business_date(), position)
    return LoanOut.of(loan, loan_summary(loan, position), None if found is None else DelinquencyOut.of(found))


class LoanListOut(Out):
    """A page of loans. By offset (`page`, `rows`, `total`), or for `inArrears=true` by cursor: then
    `total` and `page` are absent and `nextCursor` fetches the next page (absent after the last)."""

    items: list[LoanOut]
    total: int | None = None
    page: int | None = None
    rows_per_page: int
    next_cursor: str | None = None
    next_page_token: str | None = None


DELINQUENT_CSV_HEADER = [
    *("id", "customerId", "customerName", "officeId", "productId", "currency", "bucket", "daysPastDue"),
    *("overdueSince", "overduePrincipal", "overdueInterest", "overdueFees", "overduePenalties", "overdueTotal", "asOf"),
]


def delinquent_csv_rows(loans: list[LoanOut]) -> list[list[object]]:
    """The delinquent-loans list as CSV rows (a header row, then one loan per row)."""
    rows: list[list[object]] = [list(DELINQUENT_CSV_HEADER)]
    for loan in loans:
        d = loan.delinquency
        if d is None:
            continue
        a = d.arrears
        who = [loan.id, loan.customer_id, loan.customer_name, loan.office_id, loan.product_id, loan.currency]
        overdue = [a.principal, a.interest, a.fees, a.penalties, a.total]
        rows.append([*who, d.bucket, d.days_past_due, d.overdue_since, *overdue, d.as_of])
    return rows
