"""What a loan keeps of its close of business: the last business date the run closed, and the
delinquency its last commit found (what the head's index markers, the webhook signals and the
portfolio's figures follow)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from lms.models import LmsModel


class Reminder(LmsModel):
    """A `loan.payment_due` the commit that set it announces (the next commit clears the list)."""

    installment: int
    due_date: dt.date
    amount: Decimal  # what is still to pay on it


class ArrearsMarks(LmsModel):
    cob_through: dt.date | None = None  # the last business date the close of business closed
    as_of: dt.date | None = None  # the business date the marks below were computed for (never moves back)
    bucket: str | None = None  # None: not in arrears
    overdue_since: dt.date | None = None
    cob_due: dt.date | None = None  # the next business date the run has something to do (None: never)
    reminded: int = 0  # the highest installment whose reminder date has been reached
    reminders: list[Reminder] = Field(default_factory=list)
    # What the loan adds to the portfolio's figures (lms.portfolio), as of `as_of`: only an active,
    # disbursed loan not charged off is in the portfolio (a charge-off's principal has left Loans
    # receivable). `par_band` is the highest PAR threshold its days past due have reached.
    in_portfolio: bool = False
    par_band: int = 0
    principal: Decimal = Decimal(0)  # outstanding principal (what Loans receivable holds of it)
    overdue_principal: Decimal = Decimal(0)
    overdue_interest: Decimal = Decimal(0)
    overdue_fees: Decimal = Decimal(0)
    overdue_penalties: Decimal = Decimal(0)
