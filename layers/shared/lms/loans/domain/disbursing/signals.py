"""What a loan's commit tells the world besides the accounting push: webhook notices (the loan
closed, a payout completed) and payout requests (a disbursement to pay out).

They are read off the change itself (the loan before and after), so no operation has to remember
to announce anything, and the store writes them in the same transaction as the loan: a commit
that took effect has announced it, and one that did not has announced nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.disbursing.reference import disbursement_reference
from lms.loans.domain.records.payout_state import Payout, PayoutStatus

DISBURSEMENT_COMPLETED = "disbursement.completed"
DISBURSEMENT_FAILED = "disbursement.failed"
LOAN_CLOSED = "loan.closed"
LOAN_OVERPAID = "loan.overpaid"
LOAN_OVERDUE = "loan.overdue"
LOAN_DELINQUENCY_CHANGED = "loan.delinquency_changed"
LOAN_PAYMENT_DUE = "loan.payment_due"

_STATUS_EVENTS = {LoanStatus.CLOSED: (LOAN_CLOSED, "CLOSED"), LoanStatus.OVERPAID: (LOAN_OVERPAID, "OVERPAID")}
_PAYOUT_EVENTS = {PayoutStatus.COMPLETED: DISBURSEMENT_COMPLETED, PayoutStatus.FAILED: DISBURSEMENT_FAILED}


@dataclass(frozen=True)
class Notice:
    type: str
    body: dict  # what a webhook delivers, as the disbursement seed shows it


@dataclass(frozen=True)
class PayoutRequest:
    loan_id: int
    transaction_id: int
    attempt: int


@dataclass(frozen=True)
class Signals:
    notices: list[Notice]
    payouts: list[PayoutRequest]


def _payout(loan: Loan) -> tuple[int, Payout] | None:
    record = loan.disbursement
    if record is None or record.payout is None:
        return None
    return record.transaction_id, record.payout


def signals_of(before: Loan, after: Loan, at: str) -> Signals:
    """The notices and payout requests of the commit that turns `before` into `after` at `at`."""
    notices: list[Notice] = []
    payouts: list[PayoutRequest] = []
    if after.status != before.status and after.status in _STATUS_EVENTS:
        event, status = _STATUS_EVENTS[after.status]
        notices.append(Notice(event, {"event": event, "loanId": str(after.id), "status": status, "timestamp": at}))
    was, now = _payout(before), _payout(after)
    if now is not None:
        txn_id, payout = now
        moved = was is None or (was[0], was[1].attempt, was[1].status) != (txn_id, payout.attempt, payout.status)
        if moved and payout.status is PayoutStatus.PENDING:
            payouts.append(PayoutRequest(after.id, txn_id, payout.attempt))
        elif moved:
            event = _PAYOUT_EVENTS[payout.status]
            body = {
                "event": event,
                "transactionId": disbursement_reference(after.id, txn_id),
                "loanId": str(after.id),
                "status": payout.status.value,
                "timestamp": at,
            }
            if payout.failure_reason:
                body["reason"] = payout.failure_reason
            notices.append(Notice(event, body))
    notices += arrears_notices(before, after, at)
    return Signals(notices, payouts)


def arrears_notices(before: Loan, after: Loan, at: str) -> list[Notice]:
    """The loan entering arrears, changing bucket, and the payment reminders its date reached.

    Each follows from the marks the commit changed (`operations.arrears`), so a commit that changes
    nothing (the run repeated, or run for an earlier date) announces nothing: each is sent once per
    loan and day (a reminder once per installment). A catch-up of many days announces where the
    loan is now, dated its business date, not each day it passed through."""
    was, now = before.arrears, after.arrears
    notices: list[Notice] = []
    loan_id = str(after.id)
    if now.as_of is not None and was.bucket != now.bucket:
        days = (now.as_of - now.overdue_since).days if now.overdue_since else 0
        state = {
            "bucket": now.bucket,
            "daysPastDue": days,
            "overdueSince": now.overdue_since.isoformat() if now.overdue_since else None,
            "asOf": now.as_of.isoformat(),
        }
        if was.bucket is None:
            notices.append(Notice(LOAN_OVERDUE, {"event": LOAN_OVERDUE, "loanId": loan_id, **state, "timestamp": at}))
        body = {"event": LOAN_DELINQUENCY_CHANGED, "loanId": loan_id, "previousBucket": was.bucket, **state}
        notices.append(Notice(LOAN_DELINQUENCY_CHANGED, {**body, "inArrears": now.bucket is not None, "timestamp": at}))
    for reminder in now.reminders:
        if reminder.installment <= was.reminded:
            continue
        body = {
            "event": LOAN_PAYMENT_DUE,
            "loanId": loan_id,
            "installment": reminder.installment,
            "dueDate": reminder.due_date.isoformat(),
            "amountDue": reminder.amount,
            "currency": after.currency,
            "timestamp": at,
        }
        notices.append(Notice(LOAN_PAYMENT_DUE, body))
    return notices
