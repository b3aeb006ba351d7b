"""What a loan keeps of its close of business: the last business date the run closed, and the
delinquency its last commit found (what the head's index markers and the webhook signals follow)."""

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
