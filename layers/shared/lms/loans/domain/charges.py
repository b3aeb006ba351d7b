"""Fees and penalties assessed on an active loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel


class ChargeKind(StrEnum):
    FEE = "fee"
    PENALTY = "penalty"

    @property
    def component(self) -> str:
        return "fees" if self is ChargeKind.FEE else "penalties"


class LoanCharge(BaseModel):
    id: int
    name: str
    kind: ChargeKind
    amount: Decimal
    due_date: dt.date
    transaction_id: int  # the Charge transaction that assessed it
    waived: bool = False
