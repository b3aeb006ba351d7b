"""Where a disbursement's payout stands (held in the loan's disbursement record; transitions in
`payout`)."""

from __future__ import annotations

from enum import StrEnum

from lms.models import LmsModel


class PayoutStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class PayoutAttempt(LmsModel):
    attempt: int
    status: PayoutStatus
    at: str
    reason: str | None = None
    provider_reference: str | None = None


class Payout(LmsModel):
    """Where the payout of the loan's current disbursement stands, with every attempt's outcome."""

    status: PayoutStatus
    attempt: int  # the attempt in force, from 1
    updated_at: str
    provider_reference: str | None = None
    failure_reason: str | None = None
    entry_id: str | None = None  # Disbursements payable -> rail, once COMPLETED
    attempts: list[PayoutAttempt] = []


def requested(at: str) -> Payout:
    """The payout a disbursement's commit asks for."""
    return Payout(status=PayoutStatus.PENDING, attempt=1, updated_at=at)
