"""Fees and penalties assessed on an active loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from lms.models import LmsModel


class ChargeKind(StrEnum):
    FEE = "fee"
    PENALTY = "penalty"

    @property
    def component(self) -> str:
        return "fees" if self is ChargeKind.FEE else "penalties"


class LoanCharge(LmsModel):
    id: int
    name: str
    kind: ChargeKind
    amount: Decimal
    due_date: dt.date
    transaction_id: int  # the Charge transaction that assessed it
    # The installment whose late-payment penalty this is (None: any other charge). Kept through a
    # waiver: a waived penalty is still the one charged for that installment.
    late_penalty_of: int | None = None
    # Its state as the last replay left it (`rebook.with_charge_states`), never set by an operation:
    # a back-dated payment can pay what a waiver had forgiven, a reversal can bring it back.
    waived: bool = False  # a waiver in force forgives some of it
    waived_amount: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)

    def unassessed(self) -> LoanCharge:
        """Its state once its transaction is reversed: nothing paid, waived or owed."""
        zero = self.amount - self.amount
        return self.model_copy(update={"waived": False, "waived_amount": zero, "paid": zero, "outstanding": zero})
