"""The interface a payout rail implements: a real one (a bank's API, a mobile-money gateway) plugs in
here without any change to the loan code, which only sees `PayoutResult`s."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from lms.loans.domain.records.payout_state import PayoutStatus


@dataclass(frozen=True)
class PayoutOrder:
    reference: str  # the disbursement's transactionId (DISB-<loan>-<transaction>)
    attempt: int  # from 1; a retry after a failure is a new attempt
    amount: Decimal
    currency: str
    method: str
    details: dict[str, str]
    narration: str | None
    asked: int  # how many times this attempt was asked about before (0: the first time)

    @property
    def idempotency_key(self) -> str:
        """What the provider must de-duplicate on: asking again about one attempt never pays twice."""
        return f"{self.reference}#{self.attempt}"


@dataclass(frozen=True)
class PayoutResult:
    status: PayoutStatus  # PENDING: not settled yet, ask again later
    provider_reference: str | None = None
    reason: str | None = None  # why it FAILED


class PayoutProvider(Protocol):
    def pay(self, order: PayoutOrder) -> PayoutResult:
        """Pay `order` out, or say where its payment stands if it was asked for before (same
        `idempotency_key`). Must be safe to call any number of times per attempt."""
        ...
