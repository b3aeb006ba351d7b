"""A borrower's statement as JSON (the PDF is made from the same figures)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.api.types import ResponseModel
from lms.loans.domain.operations.statement import LoanStatement
from lms.loans.schemas.charges import ChargeOut
from lms.loans.schemas.payments import TransactionOut
from lms.loans.schemas.schedule import InstallmentOut


class StatementBalanceOut(ResponseModel):
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    total: Decimal  # what the borrower owes
    overpaid: Decimal  # credit the lender holds for the borrower

    @classmethod
    def of(cls, figures: dict[str, Decimal]) -> StatementBalanceOut:
        return cls(
            principal=figures["principal_outstanding"],
            interest=figures["interest_outstanding"],
            fees=figures["fees_outstanding"],
            penalties=figures["penalties_outstanding"],
            total=figures["total_outstanding"],
            overpaid=figures["total_overpaid"],
        )


class StatementBorrowerOut(ResponseModel):
    id: str
    name: str


class StatementOut(ResponseModel):
    loan_id: str
    external_id: str | None
    status: str
    currency: str
    product_id: str
    office_id: str
    borrower: StatementBorrowerOut
    principal: Decimal
    disbursed_on_date: date | None
    period_from: date
    period_to: date
    opening_balance: StatementBalanceOut
    closing_balance: StatementBalanceOut
    transactions: list[TransactionOut]  # dated in the period, reversed ones included (`reversed`)
    charges: list[ChargeOut]  # assessed in the period, as they stand now
    schedule: list[InstallmentOut]  # what was due and paid of each installment by the period's end

    @classmethod
    def of(cls, statement: LoanStatement) -> StatementOut:
        loan = statement.loan
        return cls(
            loan_id=str(loan.id),
            external_id=loan.external_id,
            status=loan.status.value,
            currency=loan.currency,
            product_id=str(loan.product_id),
            office_id=str(loan.office_id),
            borrower=StatementBorrowerOut(id=str(loan.customer_id), name=loan.customer_name),
            principal=loan.principal,
            disbursed_on_date=loan.disbursed_on_date,
            period_from=statement.period_from,
            period_to=statement.period_to,
            opening_balance=StatementBalanceOut.of(statement.opening),
            closing_balance=StatementBalanceOut.of(statement.closing),
            transactions=[TransactionOut.of(loan, t) for t in statement.transactions],
            charges=[ChargeOut.of(loan, c) for c in statement.charges],
            schedule=[InstallmentOut.of(line) for line in statement.schedule],
        )
