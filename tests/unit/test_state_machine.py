"""Every action in every status: allowed where the seed's diagram allows it, refused with its message."""

import pytest

from lms.errors import FailedPrecondition
from lms.loans.domain.aggregate.status import LoanAction, LoanStatus, ensure_allowed

S = LoanStatus
A = LoanAction

ALLOWED = {
    A.APPROVE: {S.SUBMITTED},
    A.UNDO_APPROVAL: {S.APPROVED},
    A.REJECT: {S.SUBMITTED},
    A.WITHDRAW: {S.SUBMITTED},
    A.DISBURSE: {S.APPROVED},
    A.UNDO_DISBURSAL: {S.ACTIVE, S.CLOSED, S.OVERPAID},
    A.REPAY: {S.ACTIVE, S.CLOSED, S.OVERPAID},
}

# The seed's table: attempted action, loan state, error you get.
SEED_MESSAGES = [
    (A.REPAY, S.SUBMITTED, "Loan must be Active, Fully Paid or Overpaid"),
    (A.REPAY, S.APPROVED, "Loan must be Active, Fully Paid or Overpaid"),
    (A.APPROVE, S.APPROVED, "Loan is already approved"),
    (A.APPROVE, S.ACTIVE, "Loan is already approved"),
    (A.DISBURSE, S.SUBMITTED, "Loan Account is not in approved and not disbursed state"),
    (A.DISBURSE, S.ACTIVE, "Loan Account is not in approved and not disbursed state"),
    (A.APPROVE, S.ACTIVE, "Loan Account is not in submitted and pending approval state"),
    (A.REJECT, S.APPROVED, "Loan Account Reject is not allowed"),
    (A.REJECT, S.ACTIVE, "Loan Account Reject is not allowed"),
]


@pytest.mark.parametrize(("action", "status", "message"), SEED_MESSAGES)
def test_seed_messages(action, status, message):
    with pytest.raises(FailedPrecondition) as refused:
        ensure_allowed(action, status)
    assert message in refused.value.message
    assert refused.value.status == 400
    assert refused.value.code == "failed_precondition"


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("status", list(LoanStatus))
def test_every_action_in_every_status(action, status):
    if status in ALLOWED[action]:
        ensure_allowed(action, status)
    else:
        with pytest.raises(FailedPrecondition):
            ensure_allowed(action, status)


@pytest.mark.parametrize("terminal", [S.REJECTED, S.WITHDRAWN])
def test_rejected_and_withdrawn_are_terminal(terminal):
    for action in A:
        with pytest.raises(FailedPrecondition):
            ensure_allowed(action, terminal)


def test_disbursing_an_active_loan_says_already_disbursed():
    with pytest.raises(FailedPrecondition) as refused:
        ensure_allowed(A.DISBURSE, S.ACTIVE)
    assert refused.value.reason == "LOAN_ALREADY_DISBURSED"
