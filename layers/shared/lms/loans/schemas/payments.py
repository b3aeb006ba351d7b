"""Request and response bodies of repayments, reversals, refunds, early settlement and payment types
(charges, waivers and charge-offs: lms.loans.schemas.charges)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.api.types import (
    EntityId,
    IsoDate,
    LongText,
    NonBlankStr,
    NonNegativeAmount,
    PositiveAmount,
    RequestModel,
    ResponseModel,
    with_example,
)
from lms.config import get_settings
from lms.errors import InvalidArgument, NotFound
from lms.ledger.domain.accounts import account_for
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.aggregate.payment_types import PaymentType, check_reference, payment_type
from lms.loans.domain.operations.payments import PaymentOrder, PayoffQuote
from lms.loans.domain.records.transactions import LoanTransaction, Portions, TransactionType
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.money import ZERO


class PaymentReferences(RequestModel):
    payment_type_id: EntityId
    """How the money arrived (GET /v1/payment-types): 1 cash, 2 ACH, 3 check, 4 wire, 5 mobile money; it decides the
    cash account credited and the reference required."""
    receipt_number: NonBlankStr | None = None
    """Receipt number of a cash payment: up to 50 letters, digits, /, _ or - (required for payment type 1)."""
    trace_number: NonBlankStr | None = None
    """ACH trace number: exactly 15 digits (required for payment type 2)."""
    check_number: NonBlankStr | None = None
    """Check number: 1 to 10 digits (required for payment type 3)."""
    wire_reference: NonBlankStr | None = None
    """Wire transfer reference: 6 to 35 letters or digits (required for payment type 4)."""
    mobile_transaction_id: NonBlankStr | None = None
    """Mobile-money transaction id: 8 to 30 letters or digits (required for payment type 5)."""

    def payment(self) -> tuple[PaymentType, str]:
        try:
            kind = payment_type(self.payment_type_id)
        except NotFound as err:
            raise InvalidArgument.field("paymentTypeId", err.message, reason=err.reason) from None
        references = {
            "receiptNumber": self.receipt_number,
            "traceNumber": self.trace_number,
            "checkNumber": self.check_number,
            "wireReference": self.wire_reference,
            "mobileTransactionId": self.mobile_transaction_id,
        }
        return kind, check_reference(kind, references)


class RepaymentRequest(PaymentReferences):
    model_config = with_example(
        {"transactionDate": "2026-05-23", "transactionAmount": 11100, "paymentTypeId": 1, "receiptNumber": "RCP-001"}
    )

    transaction_date: IsoDate
    """Business date of the payment (yyyy-MM-dd), not before disbursement nor in the future; an earlier date than the
    last payment replays the loan from it."""
    transaction_amount: PositiveAmount
    """Amount paid, in the loan's currency; beyond what is outstanding it closes the loan and the rest is held as an
    overpayment."""
    principal_portion: NonNegativeAmount | None = None
    """With the other portions, pay exactly this split instead of the loan's allocation order; the portions must add up
    to `transactionAmount`."""
    interest_portion: NonNegativeAmount | None = None
    """Interest part of an explicit split (see `principalPortion`)."""
    fee_portion: NonNegativeAmount | None = None
    """Fees part of an explicit split (see `principalPortion`)."""
    penalty_portion: NonNegativeAmount | None = None
    """Penalties part of an explicit split (see `principalPortion`)."""
    note: LongText | None = None
    """Free text kept with the transaction."""

    def to_order(self) -> PaymentOrder:
        kind, reference = self.payment()
        portions = (self.principal_portion, self.interest_portion, self.fee_portion, self.penalty_portion)
        split = None
        if any(p is not None for p in portions):
            principal, interest, fees, penalties = (p if p is not None else ZERO for p in portions)
            split = Portions(principal=principal, interest=interest, fees=fees, penalties=penalties)
        return PaymentOrder(self.transaction_date, self.transaction_amount, kind, reference, split, self.note)


class SettlementRequest(PaymentReferences):
    model_config = with_example(
        {
            "transactionDate": "2026-05-25",
            "transactionAmount": 10314.29,
            "paymentTypeId": 5,
            "mobileTransactionId": "MP260525AB12",
        }
    )

    transaction_date: IsoDate
    """Business date of the settlement (yyyy-MM-dd); the payoff quote of that date applies."""
    transaction_amount: PositiveAmount
    """Must equal the payoff quote for `transactionDate` (GET /v1/loans/{id}/payoff)."""
    note: LongText | None = None
    """Free text kept with the transaction."""

    def to_order(self) -> PaymentOrder:
        kind, reference = self.payment()
        return PaymentOrder(self.transaction_date, self.transaction_amount, kind, reference, None, self.note)


class RefundRequest(PaymentReferences):
    model_config = with_example({"transactionDate": "2026-05-26", "paymentTypeId": 4, "wireReference": "WIRE20260526"})

    transaction_date: IsoDate
    """Business date of the refund (yyyy-MM-dd)."""
    transaction_amount: PositiveAmount | None = None
    """Amount refunded, at most the credit balance; all of it by default."""
    note: LongText | None = None
    """Free text kept with the transaction."""

    def to_order(self) -> PaymentOrder:
        kind, reference = self.payment()
        return PaymentOrder(self.transaction_date, self.transaction_amount, kind, reference, None, self.note)


class ReverseRequest(RequestModel):
    model_config = with_example({"reason": "Cheque bounced"})

    reason: NonBlankStr | None = None
    """Why the repayment is reversed (kept on the transaction)."""


class TransactionOut(ResponseModel):
    id: str
    loan_id: str
    type: str
    date: date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    overpayment_portion: Decimal
    reversed: bool
    reversed_on: date | None
    reversal_reason: str | None
    payment_type_id: str | None
    payment_method: str | None
    receipt_number: str | None
    reference: str | None
    charge_id: str | None
    waiver_limit: Decimal | None  # a waiver's: the most it may forgive; its amount is what it forgives now
    entry_ids: list[str]
    created_at: str
    created_by: str

    @classmethod
    def of(cls, loan: Loan, txn: LoanTransaction) -> TransactionOut:
        zero = txn.amount - txn.amount
        return cls(
            id=str(txn.id),
            loan_id=str(loan.id),
            type=txn.type.value,
            date=txn.date,
            amount=txn.amount,
            principal=txn.portions.principal + zero,
            interest=txn.portions.interest + zero,
            fees=txn.portions.fees + zero,
            penalties=txn.portions.penalties + zero,
            overpayment_portion=txn.overpayment + zero,
            reversed=txn.reversed,
            reversed_on=txn.reversed_on,
            reversal_reason=txn.reversal_reason,
            payment_type_id=str(txn.payment_type_id) if txn.payment_type_id else None,
            payment_method=txn.payment_method,
            receipt_number=txn.receipt_number,
            reference=txn.reference,
            charge_id=str(txn.charge_id) if txn.charge_id else None,
            waiver_limit=txn.waiver_limit if txn.waiver_limit is not None else waiver_limit_of(txn),
            entry_ids=txn.entry_ids,
            created_at=txn.created_at,
            created_by=txn.created_by,
        )


def waiver_limit_of(txn: LoanTransaction) -> Decimal | None:
    """A waiver recorded before its limit was kept apart: its amount is still that limit."""
    return txn.amount if txn.type is TransactionType.WAIVER else None


class TransactionWithLoanOut(TransactionOut):
    """A transaction with the loan's updated status and balances, so a client needs no second GET."""

    loan: LoanOut

    @classmethod
    def of(cls, loan: Loan, txn: LoanTransaction) -> TransactionWithLoanOut:
        return cls(**TransactionOut.of(loan, txn).model_dump(), loan=render_loan(loan))


class PayoffOut(ResponseModel):
    loan_id: str
    date: date
    currency: str
    principal: Decimal
    interest: Decimal
    interest_due: Decimal
    interest_prorated: Decimal
    fees: Decimal
    penalties: Decimal
    settlement_fee: Decimal
    total: Decimal

    @classmethod
    def of(cls, loan: Loan, quote: PayoffQuote) -> PayoffOut:
        return cls(
            loan_id=str(loan.id),
            date=quote.on,
            currency=loan.currency,
            principal=quote.principal,
            interest=quote.interest,
            interest_due=quote.interest_due,
            interest_prorated=quote.interest_prorated,
            fees=quote.fees,
            penalties=quote.penalties,
            settlement_fee=quote.settlement_fee,
            total=quote.total,
        )


class PaymentTypeOut(ResponseModel):
    id: str
    name: str
    code: str
    cash_account_id: str
    cash_account_role: str
    reference_field: str
    reference_description: str

    @classmethod
    def of(cls, kind: PaymentType) -> PaymentTypeOut:
        base = get_settings().base_currency
        return cls(
            id=str(kind.id),
            name=kind.name,
            code=kind.code,
            cash_account_id=account_for(kind.rail, base, base),
            cash_account_role=kind.rail.value,
            reference_field=kind.reference_field,
            reference_description=f"{kind.reference_label}: {kind.hint}",
        )
