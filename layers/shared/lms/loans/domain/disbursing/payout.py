"""Paying a disbursement out to the borrower, after the loan's commit made it active.

The disbursement's commit owes the borrower the net amount: it credits Disbursements payable, not
the rail's cash account, and records the payout PENDING (attempt 1). A payout worker then asks the
method's payout provider to pay (lms.payouts) and commits the answer here:
- COMPLETED: the money left the rail: Disbursements payable is debited and the rail credited;
- FAILED: nothing left the rail and the debt stays in Disbursements payable, visible, until an
  operator retries it (a new attempt, PENDING again) or undoes the disbursal.
Every transition names the disbursement's transaction and the attempt it answers, so a late or
repeated answer (a queue redelivery, a retried commit) changes nothing.
"""

from __future__ import annotations

from lms.errors import FailedPrecondition, NotFound
from lms.ledger.domain.accounts import Role
from lms.ledger.domain.posting import Leg
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.records.payout_state import Payout, PayoutAttempt, PayoutStatus


def payout_of(loan: Loan, txn_id: int) -> Payout | None:
    """The payout of the loan's current disbursement if it is transaction `txn_id` (an undone
    disbursement's payout is over: its debt was reversed)."""
    record = loan.disbursement
    if record is None or record.transaction_id != txn_id:
        return None
    return record.payout


def awaiting(loan: Loan, txn_id: int, attempt: int) -> Payout | None:
    """The payout if it still waits for attempt `attempt`'s answer."""
    payout = payout_of(loan, txn_id)
    if payout is None or payout.status is not PayoutStatus.PENDING or payout.attempt != attempt:
        return None
    return payout


def _with_payout(loan: Loan, payout: Payout, books: Books | None = None) -> Loan:
    record = loan.disbursement.model_copy(update={"payout": payout})
    update: dict = {"disbursement": record}
    if books is not None:
        update["journal"] = books.journal
        snapshot = loan.position_snapshot
        # An entry that moves no loan balance leaves the position as it was: the snapshot stays
        # good if it was (its count of entries follows the journal).
        if snapshot is not None and snapshot.counts["journal"] == loan.count("journal"):
            counts = {**snapshot.counts, "journal": loan.earlier("journal") + len(books.journal)}
            update["position_snapshot"] = snapshot.model_copy(update={"counts": counts})
    return loan.model_copy(update=update)


def complete_payout(
    loan: Loan, txn_id: int, attempt: int, provider_reference: str | None, books: Books, actor: Actor
) -> Loan:
    """The provider paid attempt `attempt` out: the rail's cash leaves, the debt is settled."""
    payout = awaiting(loan, txn_id, attempt)
    if payout is None:
        return loan
    record = loan.disbursement
    entry_id = books.post(
        actor.today,
        "payout",
        txn_id,
        f"Payout of loan {loan.id}'s disbursement via {record.method}",
        [
            Leg(Role.DISBURSEMENTS_PAYABLE, debit=record.net_amount, description="Owed to the borrower: paid"),
            Leg(Role(record.rail), credit=record.net_amount, description="Net amount paid out"),
        ],
    )
    done = PayoutAttempt(
        attempt=attempt, status=PayoutStatus.COMPLETED, at=actor.at, provider_reference=provider_reference
    )
    completed = payout.model_copy(
        update={
            "status": PayoutStatus.COMPLETED,
            "updated_at": actor.at,
            "provider_reference": provider_reference,
            "failure_reason": None,
            "entry_id": entry_id,
            "attempts": [*payout.attempts, done],
        }
    )
    return _with_payout(loan, completed, books)


def fail_payout(loan: Loan, txn_id: int, attempt: int, reason: str, actor: Actor) -> Loan:
    """The provider refused attempt `attempt`: the debt stays in Disbursements payable."""
    payout = awaiting(loan, txn_id, attempt)
    if payout is None:
        return loan
    failed = PayoutAttempt(attempt=attempt, status=PayoutStatus.FAILED, at=actor.at, reason=reason)
    return _with_payout(
        loan,
        payout.model_copy(
            update={
                "status": PayoutStatus.FAILED,
                "updated_at": actor.at,
                "failure_reason": reason,
                "attempts": [*payout.attempts, failed],
            }
        ),
    )


def retry_payout(loan: Loan, txn_id: int, actor: Actor) -> Loan:
    """An operator asks for a FAILED payout again: a new attempt, PENDING."""
    payout = payout_of(loan, txn_id)
    if payout is None:
        raise NotFound(
            f"Loan {loan.id} has no disbursement {txn_id} to pay out (it was undone, or never made)",
            reason="DISBURSEMENT_NOT_FOUND",
        )
    if payout.status is not PayoutStatus.FAILED:
        raise FailedPrecondition(
            f"Only a FAILED payout can be retried; this one is {payout.status.value}",
            reason="PAYOUT_NOT_FAILED",
        )
    return _with_payout(
        loan,
        payout.model_copy(
            update={
                "status": PayoutStatus.PENDING,
                "attempt": payout.attempt + 1,
                "updated_at": actor.at,
                "failure_reason": None,
            }
        ),
    )


def ensure_not_paying_out(loan: Loan) -> None:
    """A disbursal cannot be undone while its payout may be under way: the provider could pay after
    the books were reversed. Wait until it completes or fails."""
    record = loan.disbursement
    if record is not None and record.payout is not None and record.payout.status is PayoutStatus.PENDING:
        raise FailedPrecondition(
            f"Loan {loan.id}'s payout (attempt {record.payout.attempt}) is still PENDING; "
            "undo the disbursal once it has completed or failed",
            reason="PAYOUT_PENDING",
        )
