"""A loan's transactions: what happened, on which business date, and how it was split."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from lms.models import LmsModel
from lms.money import ZERO


class TransactionType(StrEnum):
    DISBURSEMENT = "Disbursement"
    REPAYMENT = "Repayment"
    EARLY_SETTLEMENT = "Early Settlement"
    REFUND = "Refund"
    CHARGE = "Charge"
    WAIVER = "Waiver"
    CHARGE_OFF = "Charge-off"


# Transactions that bring money in and are allocated across the schedule.
PAYMENTS = frozenset({TransactionType.REPAYMENT, TransactionType.EARLY_SETTLEMENT})
# Transactions whose amount is what the replay makes of them (their split's total), not money that moved.
DERIVED_AMOUNT = frozenset({TransactionType.WAIVER, TransactionType.CHARGE_OFF})
# A refund that bounced (or was paid in error) is reversed like a payment: the credit is held again.
REVERSIBLE = PAYMENTS | {TransactionType.REFUND}


class Portions(LmsModel):
    """How an amount splits over a loan's components."""

    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalties: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties

    def plus(self, other: Portions) -> Portions:
        return Portions(
            principal=self.principal + other.principal,
            interest=self.interest + other.interest,
            fees=self.fees + other.fees,
            penalties=self.penalties + other.penalties,
        )


class LoanTransaction(LmsModel):
    id: int  # per loan, in recording order
    type: TransactionType
    date: dt.date
    amount: Decimal
    portions: Portions = Field(default_factory=Portions)
    overpayment: Decimal = ZERO
    recovery: bool = False  # paid after a charge-off: its principal is recovery income
    split: Portions | None = None  # a caller-given split (component payment), kept on replay
    rail: str | None = None  # the role of the cash account the money moved through
    payment_type_id: int | None = None
    payment_method: str | None = None
    receipt_number: str | None = None
    reference: str | None = None
    payment_details: dict[str, str] | None = None
    narration: str | None = None
    charge_id: int | None = None
    # A waiver's: the most it may forgive (the charge's unpaid part when it was recorded). Its amount
    # is what it forgives as replayed, which a back-dated payment or a reversal changes; None on a
    # waiver recorded before the two were kept apart, whose amount is still that limit.
    waiver_limit: Decimal | None = None
    reversed: bool = False
    reversed_on: dt.date | None = None
    reversal_reason: str | None = None
    reversed_at: str | None = None  # when the reversal was recorded (wall clock)
    net_amount: Decimal | None = None  # a disbursement's: what was paid out after deductions
    entry_ids: list[str] = Field(default_factory=list)  # the entries in force for this transaction
    created_at: str
    created_by: str

    @property
    def active(self) -> bool:
        return not self.reversed
