"""The repayment schedule as GET /v1/loans/{id}/schedule answers it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.api.types import ResponseModel
from lms.loans.domain.operations.balances import ScheduleLine
from lms.money import ZERO


class InstallmentOut(ResponseModel):
    number: int
    from_date: date | None
    due_date: date | None
    principal_due: Decimal
    interest_due: Decimal
    fees_due: Decimal
    penalties_due: Decimal
    total_due: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    fees_paid: Decimal
    penalties_paid: Decimal
    total_paid: Decimal
    total_waived: Decimal
    total_outstanding: Decimal

    @classmethod
    def of(cls, line: ScheduleLine) -> InstallmentOut:
        return cls(
            number=line.number,
            from_date=line.from_date,
            due_date=line.due_date,
            principal_due=line.due["principal"],
            interest_due=line.due["interest"],
            fees_due=line.due["fees"],
            penalties_due=line.due["penalties"],
            total_due=line.total_due,
            principal_paid=line.paid["principal"],
            interest_paid=line.paid["interest"],
            fees_paid=line.paid["fees"],
            penalties_paid=line.paid["penalties"],
            total_paid=line.total_paid,
            total_waived=sum(line.waived.values(), ZERO),
            total_outstanding=line.total_outstanding,
        )


class ScheduleOut(ResponseModel):
    currency: str
    disbursed: bool
    installments: list[InstallmentOut]
    totals: InstallmentOut

    @classmethod
    def of(cls, currency: str, disbursed: bool, lines: list[ScheduleLine]) -> ScheduleOut:
        rows = [InstallmentOut.of(line) for line in lines]
        amounts = [k for k in InstallmentOut.model_fields if k not in ("number", "from_date", "due_date")]
        numbers = {k: sum((getattr(r, k) for r in rows), ZERO) for k in amounts}
        totals = InstallmentOut(number=len(rows), from_date=None, due_date=None, **numbers)
        return cls(currency=currency, disbursed=disbursed, installments=rows, totals=totals)
