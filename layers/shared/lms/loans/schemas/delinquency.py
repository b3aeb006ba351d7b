"""How late a loan is, as the API shows it: `delinquency` on a loan, and its changes of bucket."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.api.types import ResponseModel as Out
from lms.loans.domain.calculation.delinquency import Delinquency


class ArrearsOut(Out):
    """What is overdue, by component: the outstanding of every installment past its due date."""

    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal
    total: Decimal


class DelinquencyOut(Out):
    """The loan's delinquency at the end of `asOf` (the business date): days since its oldest
    overdue installment fell due, that date, the product's bucket holding those days, and arrears."""

    days_past_due: int
    overdue_since: date | None
    bucket: str | None
    in_arrears: bool
    arrears: ArrearsOut
    as_of: date

    @classmethod
    def of(cls, found: Delinquency) -> DelinquencyOut:
        arrears = found.arrears
        return cls(
            days_past_due=found.days_past_due,
            overdue_since=found.overdue_since,
            bucket=found.bucket,
            in_arrears=found.in_arrears,
            arrears=ArrearsOut(
                principal=arrears.principal,
                interest=arrears.interest,
                fees=arrears.fees,
                penalties=arrears.penalties,
                total=arrears.total,
            ),
            as_of=found.as_of,
        )


class BucketChangeOut(Out):
    """A day the loan's delinquency bucket changed: the bucket it entered (null: it left arrears)."""

    date: date
    bucket: str | None
    in_arrears: bool
