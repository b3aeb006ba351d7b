"""Making a requested payout: ask the method's provider, commit its answer to the loan.

At least once, never twice: the request names the disbursement and the attempt, the provider
de-duplicates on them, and the loan takes only the first answer to the attempt it waits for
(lms.loans.domain.disbursing.payout). A crash after the provider paid and before the commit only asks it
again, and it says the payment is done.
"""

from __future__ import annotations

from lms.config import get_settings
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.disbursing.payout import awaiting
from lms.loans.domain.disbursing.reference import disbursement_reference
from lms.loans.domain.disbursing.signals import PayoutRequest
from lms.loans.domain.records.payout_state import PayoutStatus
from lms.loans.service.disbursements import LoanDisbursements
from lms.loans.service.unit_of_work import actor_for
from lms.payouts.provider import PayoutOrder
from lms.payouts.providers import provider_for

MAX_BACKOFF_SECONDS = 900
WORKER = "payout-worker"


class PayoutStillPending(Exception):
    """The provider has not settled the payout yet: ask again later."""


def recheck_in(asked: int) -> int:
    """Seconds until a PENDING payout is asked about again (after `asked` + 1 answers)."""
    return min(get_settings().payout_retry_base_seconds * 2**asked, MAX_BACKOFF_SECONDS)


def order_for(loan: Loan, request: PayoutRequest, asked: int) -> PayoutOrder:
    record = loan.disbursement
    return PayoutOrder(
        reference=disbursement_reference(loan.id, request.transaction_id),
        attempt=request.attempt,
        amount=record.net_amount,
        currency=loan.currency,
        method=record.method,
        details=dict(record.payment_details),
        narration=record.narration,
        asked=asked,
    )


class PayoutWorker:
    def __init__(self, loans: LoanDisbursements | None = None):
        self.loans = loans or LoanDisbursements()

    def _actor(self, request: PayoutRequest, outcome: PayoutStatus) -> Actor:
        # One commit key per answer to an attempt: a retried commit is recognised as done.
        key = f"{request.loan_id}:{request.transaction_id}:{request.attempt}:{outcome.value}"
        return actor_for(WORKER, key)

    def work(self, request: PayoutRequest, asked: int) -> str:
        """Make or check the payout; what happened ("stale" if the loan no longer waits for it)."""
        loan = self.loans.work.loans.get_head(request.loan_id)  # the disbursement record is in the head
        if awaiting(loan, request.transaction_id, request.attempt) is None:
            return "stale"
        result = provider_for(loan.disbursement.method).pay(order_for(loan, request, asked))
        if result.status is PayoutStatus.PENDING:
            raise PayoutStillPending(f"payout {request} is still pending at the provider (asked {asked + 1} times)")
        actor = self._actor(request, result.status)
        if result.status is PayoutStatus.COMPLETED:
            self.loans.complete_payout(request, result.provider_reference, actor, read=loan)
            return "completed"
        self.loans.fail_payout(request, result.reason or "the provider refused the payout", actor, read=loan)
        return "failed"
