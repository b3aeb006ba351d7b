"""The loan state machine of lms-api-behaviours.md, with its exact guard messages.

Submitted -approve-> Approved -disburse-> Active -repay(full)-> Closed (obligations met)
Submitted <-undo-approval- Approved <-undo-disbursal- Active            Active -over-repay-> Overpaid
Submitted -reject-> Rejected, Submitted -withdraw-> Withdrawn (both terminal)
"""

from __future__ import annotations

from enum import StrEnum

from lms.errors import FailedPrecondition


class LoanStatus(StrEnum):
    SUBMITTED = "Submitted"
    APPROVED = "Approved"
    ACTIVE = "Active"
    CLOSED = "Closed (obligations met)"
    OVERPAID = "Overpaid"
    REJECTED = "Rejected"
    WITHDRAWN = "Withdrawn"


class LoanAction(StrEnum):
    APPROVE = "approve"
    UNDO_APPROVAL = "undo-approval"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    DISBURSE = "disburse"
    UNDO_DISBURSAL = "undo-disbursal"
    REPAY = "repay"
    REFUND = "refund"
    EARLY_SETTLEMENT = "early-settlement"
    CHARGE = "charge"
    CHARGE_OFF = "charge-off"


S = LoanStatus
_ALLOWED: dict[LoanAction, frozenset[LoanStatus]] = {
    LoanAction.APPROVE: frozenset({S.SUBMITTED}),
    LoanAction.UNDO_APPROVAL: frozenset({S.APPROVED}),
    LoanAction.REJECT: frozenset({S.SUBMITTED}),
    LoanAction.WITHDRAW: frozenset({S.SUBMITTED}),
    LoanAction.DISBURSE: frozenset({S.APPROVED}),
    LoanAction.UNDO_DISBURSAL: frozenset({S.ACTIVE, S.CLOSED, S.OVERPAID}),
    LoanAction.REPAY: frozenset({S.ACTIVE, S.CLOSED, S.OVERPAID}),
    LoanAction.REFUND: frozenset({S.OVERPAID}),
    LoanAction.EARLY_SETTLEMENT: frozenset({S.ACTIVE}),
    # A penalty after closing reopens the loan; an overpaid loan's credit is refunded first.
    LoanAction.CHARGE: frozenset({S.ACTIVE, S.CLOSED}),
    LoanAction.CHARGE_OFF: frozenset({S.ACTIVE}),
}

_NOT_SUBMITTED = "Loan Account is not in submitted and pending approval state"


def _message(action: LoanAction, status: LoanStatus) -> tuple[str, str]:
    """The seed's message for `action` refused in `status`, and a machine-readable reason."""
    if action is LoanAction.APPROVE:
        if status is S.APPROVED:
            return "Loan is already approved", "LOAN_ALREADY_APPROVED"
        if status is S.ACTIVE:
            # The seed lists both messages for an active loan; say both.
            return f"{_NOT_SUBMITTED}: Loan is already approved", "LOAN_ALREADY_APPROVED"
        return _NOT_SUBMITTED, "INVALID_LOAN_STATE"
    if action is LoanAction.DISBURSE:
        reason = "LOAN_ALREADY_DISBURSED" if status in {S.ACTIVE, S.CLOSED, S.OVERPAID} else "INVALID_LOAN_STATE"
        return "Loan Account is not in approved and not disbursed state", reason
    if action is LoanAction.REJECT:
        return "Loan Account Reject is not allowed", "INVALID_LOAN_STATE"
    if action is LoanAction.WITHDRAW:
        return "Loan Account Withdraw is not allowed", "INVALID_LOAN_STATE"
    if action is LoanAction.UNDO_APPROVAL:
        return (
            "Loan Account Approval Undo is not allowed. Loan Account is not in approved and not disbursed state",
            "INVALID_LOAN_STATE",
        )
    if action is LoanAction.UNDO_DISBURSAL:
        return "Loan Account Undo Disbursal is not allowed. Loan Account is not disbursed", "INVALID_LOAN_STATE"
    if action is LoanAction.REPAY:
        return "Loan must be Active, Fully Paid or Overpaid", "INVALID_LOAN_STATE"
    if action is LoanAction.REFUND:
        return "Loan Refund is not allowed. Loan Account has no overpayment to refund", "INVALID_LOAN_STATE"
    return f"Loan Account {action.value} is not allowed. Loan Account is not active", "INVALID_LOAN_STATE"


def ensure_allowed(action: LoanAction, status: LoanStatus) -> None:
    if status not in _ALLOWED[action]:
        message, reason = _message(action, status)
        raise FailedPrecondition(message, reason=reason)
