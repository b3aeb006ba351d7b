"""Disbursement request and response bodies: the disbursement seed's shapes, in the API's camelCase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

from lms.api.types import (
    EntityId,
    IsoDate,
    LongText,
    PositiveAmount,
    RequestModel,
    ResponseModel,
    StrictBool,
    with_example,
)
from lms.api.validation import field_errors
from lms.errors import FieldError, InvalidArgument
from lms.loans.domain.aggregate.loan import Deductions, Loan
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.disbursing.disbursement import (
    DisbursementOrder,
    DisbursementPlan,
    DisbursementStatus,
    disbursement_reference,
)
from lms.loans.domain.disbursing.payment_methods import PaymentMethod
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.money import format_amount
from lms.products.domain import LoanProduct, PeriodFrequency


class DisburseLoanRequest(RequestModel):
    model_config = with_example(
        {
            "actualDisbursementDate": "2026-05-23",
            "transactionAmount": 10000,
            "paymentMethod": "TIPS_MNO",
            "paymentDetails": {"phoneNumber": "255712345678", "mnoProvider": "MPESA"},
            "narration": "Loan 12 payout",
        }
    )

    actual_disbursement_date: IsoDate
    """Business date of the payout (yyyy-MM-dd), on or after the approval date and not in the future."""
    transaction_amount: PositiveAmount
    """Amount disbursed; the approved principal (or less if the product allows partial disbursement)."""
    payment_method: PaymentMethod | None = None
    """Rail that pays the borrower: CASH, NBC_ACCOUNT, TIPS_MNO or TIPS_BANK; the deployment's default when left out."""
    payment_details: dict[str, Any] | None = Field(default=None, max_length=10)
    """What the rail needs, by method: CASH depositAccount, cashierId, branchCode; NBC_ACCOUNT accountNumber; TIPS_MNO
    phoneNumber, mnoProvider; TIPS_BANK bankCode, bankAccount, bankAccountHolderName."""
    narration: LongText | None = None
    """Text shown to the borrower on the payout."""
    validate_only: StrictBool = False
    """When true, check everything and answer what the disbursement would be, writing nothing."""
    note: LongText | None = None
    """Free text kept with the transaction."""

    def to_order(self) -> DisbursementOrder:
        return DisbursementOrder(
            on=self.actual_disbursement_date,
            amount=self.transaction_amount,
            method=self.payment_method,
            details=self.payment_details,
            narration=self.narration,
            note=self.note,
        )


class UndoDisbursalRequest(RequestModel):
    note: LongText | None = None
    """Why the disbursal is undone."""


class AmountOut(ResponseModel):
    value: Decimal
    formatted: str
    display: str

    @classmethod
    def of(cls, value: Decimal, currency: str) -> AmountOut:
        text = format_amount(value, currency)
        return cls(value=value, formatted=text, display=f"{currency} {text}")


class DisbursementDetailsOut(ResponseModel):
    total_loan_amount: AmountOut
    disbursed_amount: AmountOut
    currency: str


class DeductionItemOut(ResponseModel):
    type: str
    name: str
    amount: AmountOut


class DeductionsOut(ResponseModel):
    total: AmountOut
    charges: AmountOut
    vat: AmountOut
    insurance: AmountOut
    first_interest: AmountOut
    top_up_settlement: AmountOut
    top_up_penalty: AmountOut
    breakdown: list[DeductionItemOut]

    @classmethod
    def of(cls, d: Deductions, currency: str, fee_name: str, insurance_name: str) -> DeductionsOut:
        zero = d.admin_fee - d.admin_fee
        items = [
            ("charge", fee_name, d.admin_fee),
            ("tax", f"VAT on {fee_name.lower()}", d.vat),
            ("insurance", insurance_name, d.insurance),
            ("interest", "First-period interest", d.first_interest),
        ]
        return cls(
            total=AmountOut.of(d.total, currency),
            charges=AmountOut.of(d.admin_fee, currency),
            vat=AmountOut.of(d.vat, currency),
            insurance=AmountOut.of(d.insurance, currency),
            first_interest=AmountOut.of(d.first_interest, currency),
            top_up_settlement=AmountOut.of(zero, currency),
            top_up_penalty=AmountOut.of(zero, currency),
            breakdown=[
                DeductionItemOut(type=kind, name=name, amount=AmountOut.of(amount, currency))
                for kind, name, amount in items
                if amount
            ],
        )


class PaymentInfoOut(ResponseModel):
    method: str
    reference: str
    status: str


class ControlNumberOut(ResponseModel):
    type: str
    number: str
    description: str
    valid_until: date


class RepaymentInfoOut(ResponseModel):
    frequency: str
    installment_amount: AmountOut
    total_installments: int
    first_payment_date: date


def frequency_label(every: int, unit: PeriodFrequency) -> str:
    days = {PeriodFrequency.DAYS: every, PeriodFrequency.WEEKS: every * 7}.get(unit)
    if unit is PeriodFrequency.MONTHS:
        return {1: "MONTHLY", 3: "QUARTERLY", 12: "YEARLY"}.get(every, f"EVERY_{every}_MONTHS")
    return {1: "DAILY", 7: "WEEKLY", 14: "BIWEEKLY"}.get(days, f"EVERY_{days}_DAYS")


def repayment_info(loan: Loan, schedule: list[Installment]) -> RepaymentInfoOut:
    first = schedule[0]
    return RepaymentInfoOut(
        frequency=frequency_label(loan.terms.repayment_every, loan.terms.repayment_frequency_type),
        installment_amount=AmountOut.of(first.total_due, loan.currency),
        total_installments=len(schedule),
        first_payment_date=first.due_date,
    )


class DisbursementOut(ResponseModel):
    message: str
    transaction_id: str
    loan_id: str
    status: str
    disbursement_details: DisbursementDetailsOut
    deductions: DeductionsOut
    payment_info: PaymentInfoOut
    control_numbers: list[ControlNumberOut]
    loan_account: str
    disbursement_date: date
    next_payment_date: date
    repayment_info: RepaymentInfoOut
    loan: LoanOut


def _names(product: LoanProduct) -> tuple[str, str]:
    """How the deductions are called on the customer's statement: the product's names, or plain ones."""
    fee = product.admin_fee.name if product.admin_fee and product.admin_fee.name else "Administration fee"
    insurance = product.insurance.name if product.insurance and product.insurance.name else "Loan protection insurance"
    return fee, insurance


def disbursement_out(loan: Loan, product: LoanProduct) -> DisbursementOut:
    record = loan.disbursement
    assert record is not None
    currency = loan.currency
    names = _names(product)
    return DisbursementOut(
        message="Loan disbursed successfully",
        transaction_id=disbursement_reference(loan.id, record.transaction_id),
        loan_id=str(loan.id),
        status="DISBURSED",
        disbursement_details=DisbursementDetailsOut(
            total_loan_amount=AmountOut.of(record.amount, currency),
            disbursed_amount=AmountOut.of(record.net_amount, currency),
            currency=currency,
        ),
        deductions=DeductionsOut.of(record.deductions, currency, *names),
        payment_info=PaymentInfoOut(
            method=record.method,
            reference=record.reference,
            status=record.payout.status.value if record.payout else "COMPLETED",
        ),
        control_numbers=[
            ControlNumberOut(
                type="REPAYMENT",
                number=record.control_number,
                description="Loan repayment reference",
                valid_until=loan.schedule[-1].due_date,
            )
        ],
        loan_account=f"LN{loan.id:010d}",
        disbursement_date=record.date,
        next_payment_date=loan.schedule[0].due_date,
        repayment_info=repayment_info(loan, loan.schedule),
        loan=render_loan(loan),
    )


class LoanDetailsOut(ResponseModel):
    client_number: str
    loan_amount: Decimal
    loan_type: str
    status: str


class ValidationOut(ResponseModel):
    message: str
    validation_status: str
    loan_id: str
    loan_details: LoanDetailsOut
    disbursement_details: DisbursementDetailsOut
    deductions: DeductionsOut
    payment_info: PaymentInfoOut
    repayment_info: RepaymentInfoOut


def validation_out(loan: Loan, plan: DisbursementPlan, product: LoanProduct) -> ValidationOut:
    currency = loan.currency
    return ValidationOut(
        message="Loan validated successfully. Ready for disbursement.",
        validation_status="PASSED",
        loan_id=str(loan.id),
        loan_details=LoanDetailsOut(
            client_number=str(loan.customer_id),
            loan_amount=plan.amount,
            loan_type="NEW",
            status=loan.status.value.upper(),
        ),
        disbursement_details=DisbursementDetailsOut(
            total_loan_amount=AmountOut.of(plan.amount, currency),
            disbursed_amount=AmountOut.of(plan.net_amount, currency),
            currency=currency,
        ),
        deductions=DeductionsOut.of(plan.deductions, currency, *_names(product)),
        payment_info=PaymentInfoOut(method=plan.method.value, reference="", status="VALIDATED"),
        repayment_info=repayment_info(loan, plan.schedule),
    )


MAX_BULK_DISBURSEMENTS = 100


class BulkDisbursementItem(DisburseLoanRequest):
    """One loan's disbursement in a bulk request: the single disbursement's body and the loan."""

    loan_id: EntityId
    """The approved loan to disburse."""


@dataclass(frozen=True)
class RefusedItem:
    """A bulk item that is not a valid disbursement: it fails alone, with the field errors the
    single route would answer for the same body (`loanId` standing for the route's loan id)."""

    loan_id: str | None  # the loanId sent, when it can be shown back as it was
    errors: list[FieldError]

    def error(self) -> InvalidArgument:
        return InvalidArgument.fields(self.errors)


_ECHOED_LOAN_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _loan_id_sent(value: Any) -> str | None:
    loan_id = value.get("loanId") if isinstance(value, dict) else None
    if isinstance(loan_id, int) and not isinstance(loan_id, bool) and len(str(loan_id)) <= 40:
        return str(loan_id)
    return loan_id if isinstance(loan_id, str) and _ECHOED_LOAN_ID.fullmatch(loan_id) else None


def _refused_alone(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate one item on its own: its errors are its result, not the whole request's."""
    try:
        return handler(value)
    except ValidationError as invalid:
        return RefusedItem(_loan_id_sent(value), field_errors(list(invalid.errors())))


# Documented as the item it should be; validated into that item or a RefusedItem.
BulkItem = Annotated[BulkDisbursementItem, WrapValidator(_refused_alone)]


class BulkDisburseRequest(RequestModel):
    """The request is refused as a whole only when it is not a list of 1 to 100 items."""

    model_config = with_example(
        {
            "disbursements": [
                {"loanId": 12, "actualDisbursementDate": "2026-05-23", "transactionAmount": 10000},
                {
                    "loanId": 13,
                    "actualDisbursementDate": "2026-05-23",
                    "transactionAmount": 5000,
                    "paymentMethod": "CASH",
                    "paymentDetails": {"depositAccount": "1100", "cashierId": "C-07", "branchCode": "DSM01"},
                },
            ]
        }
    )

    disbursements: list[BulkItem] = Field(min_length=1, max_length=MAX_BULK_DISBURSEMENTS)
    """1 to 100 disbursements, each processed and answered on its own."""


class BulkErrorOut(ResponseModel):
    status: int
    code: str
    message: str
    reason: str | None = None
    details: list[dict[str, str]] = Field(default_factory=list)


class BulkResultOut(ResponseModel):
    index: int
    loan_id: str | None = Field(description="The item's loan; null if the loanId sent is not one that can be shown")
    success: bool
    data: dict[str, Any] | None = None  # the single disbursement's answer (or its validation)
    error: BulkErrorOut | None = None


class BulkSummaryOut(ResponseModel):
    total: int
    successful: int
    failed: int


class BulkDisbursementOut(ResponseModel):
    message: str
    summary: BulkSummaryOut
    results: list[BulkResultOut]

    @classmethod
    def of(cls, results: list[BulkResultOut]) -> BulkDisbursementOut:
        successful = sum(1 for r in results if r.success)
        failed = len(results) - successful
        return cls(
            message=f"Processed {successful} successful and {failed} failed disbursements",
            summary=BulkSummaryOut(total=len(results), successful=successful, failed=failed),
            results=results,
        )


class PayoutAttemptOut(ResponseModel):
    attempt: int
    status: str
    at: str
    reason: str | None = None
    provider_reference: str | None = None


class DisbursementStatusOut(ResponseModel):
    transaction_id: str
    loan_id: str
    status: str
    amount: Decimal
    payment_method: str
    created_at: str
    updated_at: str
    attempt: int | None = Field(default=None, description="The payout attempt in force, from 1")
    failure_reason: str | None = Field(default=None, description="Why the provider refused it (FAILED)")
    attempts: list[PayoutAttemptOut] = Field(default_factory=list, description="Each answered payout attempt")

    @classmethod
    def of(cls, status: DisbursementStatus) -> DisbursementStatusOut:
        return cls(
            transaction_id=status.reference,
            loan_id=str(status.loan_id),
            status=status.status,
            amount=status.amount,
            payment_method=status.payment_method,
            created_at=status.created_at,
            updated_at=status.updated_at,
            attempt=status.attempt,
            failure_reason=status.failure_reason,
            attempts=[PayoutAttemptOut.model_validate(a.model_dump()) for a in status.attempts],
        )
