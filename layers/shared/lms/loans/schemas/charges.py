"""Request and response bodies of charges, their waivers, and charge-offs.

Apart from lms.loans.schemas.payments so that a route builds only the models it answers with at its
cold start (each pydantic model costs its fields' collection when its module is imported).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from lms.api.types import IsoDate, LongText, NonBlankStr, PositiveAmount, RequestModel, ResponseModel, with_example
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.schemas.loan import LoanOut, render_loan


class ChargeRequest(RequestModel):
    model_config = with_example(
        {"name": "Late payment penalty", "chargeType": "penalty", "amount": 500, "dueDate": "2026-06-01"}
    )

    name: NonBlankStr
    """What the charge is for, as shown on the loan."""
    charge_type: Literal["fee", "penalty"]
    """`fee` or `penalty`: decides the income account and the allocation order."""
    amount: PositiveAmount
    """Amount charged, in the loan's currency."""
    due_date: IsoDate
    """Date the charge falls due (yyyy-MM-dd), not before disbursement."""
    note: LongText | None = None
    """Free text kept with the charge."""


class NoteOnlyRequest(RequestModel):
    note: LongText | None = None
    """Free text kept with the transaction."""


class ChargeOffRequest(RequestModel):
    model_config = with_example({"transactionDate": "2026-09-30", "note": "Borrower unreachable for 90 days"})

    transaction_date: IsoDate
    """Business date of the charge-off (yyyy-MM-dd), not before the last transaction."""
    note: LongText | None = None
    """Why the loan is charged off."""


class ChargeOut(ResponseModel):
    id: str
    loan_id: str
    name: str
    charge_type: str
    amount: Decimal
    due_date: date
    waived: bool
    waived_amount: Decimal
    paid: Decimal
    outstanding: Decimal
    transaction_id: str

    @classmethod
    def of(cls, loan: Loan, charge: LoanCharge) -> ChargeOut:
        return cls(
            id=str(charge.id),
            loan_id=str(loan.id),
            name=charge.name,
            charge_type=charge.kind.value,
            amount=charge.amount,
            due_date=charge.due_date,
            waived=charge.waived,
            waived_amount=charge.waived_amount,
            paid=charge.paid,
            outstanding=charge.outstanding,
            transaction_id=str(charge.transaction_id),
        )


class ChargeWithLoanOut(ChargeOut):
    loan: LoanOut

    @classmethod
    def of(cls, loan: Loan, charge: LoanCharge) -> ChargeWithLoanOut:
        return cls(**ChargeOut.of(loan, charge).model_dump(), loan=render_loan(loan))
