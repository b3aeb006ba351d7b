"""The pure transitions: new states, dates, amounts and the seed's date rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from lms.loans.domain.aggregate import loan as t
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.terms import LoanTerms
from lms.loans.storage.stored_loan import StoredLoan

TODAY = date(2026, 6, 1)
ACTOR = Actor(by="ak_test", at="2026-06-01T10:00:00.000Z", today=TODAY)
SUBMITTED = date(2026, 5, 23)


def a_loan(**overrides) -> Loan:
    values = dict(
        id=7,
        customer_id=3,
        customer_name="Ada Lovelace",
        product_id=1,
        office_id=1,
        currency="TZS",
        status=LoanStatus.SUBMITTED,
        requested_principal=Decimal("10000.00"),
        principal=Decimal("10000.00"),
        terms=LoanTerms(
            loan_term_frequency=7,
            loan_term_frequency_type=0,
            number_of_repayments=1,
            repayment_every=7,
            repayment_frequency_type=0,
            interest_rate_per_period=Decimal(11),
            interest_rate_frequency_type=1,
            interest_type=1,
            amortization_type=1,
            interest_calculation_period_type=1,
            transaction_processing_strategy_code="mifos-standard-strategy",
        ),
        submitted_on_date=SUBMITTED,
        expected_disbursement_date=SUBMITTED,
    )
    values.update(overrides)
    return StoredLoan(**values)  # as the store holds it: the racing stores below count its versions


MIN = Decimal("1000.00")


def test_approve_at_a_smaller_amount_reduces_the_principal():
    approved = t.approve(a_loan(), SUBMITTED, Decimal(6000), "ok", ACTOR, MIN)
    assert approved.status is LoanStatus.APPROVED
    assert approved.principal == Decimal("6000.00")
    assert approved.approved_principal == Decimal("6000.00")
    assert approved.requested_principal == Decimal("10000.00")
    assert approved.approved_on_date == SUBMITTED
    assert approved.timeline[-1].action == "approve"
    assert approved.timeline[-1].note == "ok"
    assert approved.timeline[-1].by == "ak_test"


def test_approve_without_an_amount_keeps_the_principal():
    approved = t.approve(a_loan(), SUBMITTED, None, None, ACTOR, MIN)
    assert approved.principal == Decimal("10000.00") == approved.approved_principal


def test_approving_more_than_applied_for_is_refused():
    with pytest.raises(InvalidArgument) as refused:
        t.approve(a_loan(), SUBMITTED, Decimal(10001), None, ACTOR, MIN)
    assert refused.value.details[0].field == "approvedLoanAmount"


def test_approved_amount_below_the_product_minimum_is_refused():
    with pytest.raises(InvalidArgument):
        t.approve(a_loan(), SUBMITTED, Decimal(999), None, ACTOR, MIN)


def test_approved_amount_with_too_many_decimals_is_refused():
    with pytest.raises(InvalidArgument) as refused:
        t.approve(a_loan(), SUBMITTED, Decimal("6000.001"), None, ACTOR, MIN)
    assert "decimal places" in refused.value.details[0].message


def test_approval_in_the_future_is_permission_denied():
    with pytest.raises(PermissionDenied) as refused:
        t.approve(a_loan(), TODAY + timedelta(days=1), None, None, ACTOR, MIN)
    assert refused.value.status == 403
    assert "cannot be in the future" in refused.value.message


def test_approval_before_submission_is_permission_denied():
    with pytest.raises(PermissionDenied) as refused:
        t.approve(a_loan(), SUBMITTED - timedelta(days=1), None, None, ACTOR, MIN)
    assert "before its submittal date" in refused.value.message


def test_approval_today_is_allowed():
    assert t.approve(a_loan(), TODAY, None, None, ACTOR, MIN).approved_on_date == TODAY


def test_undo_approval_restores_the_amount_applied_for():
    approved = t.approve(a_loan(), SUBMITTED, Decimal(6000), None, ACTOR, MIN)
    undone = t.undo_approval(approved, "mistake", ACTOR)
    assert undone.status is LoanStatus.SUBMITTED
    assert undone.principal == Decimal("10000.00")
    assert undone.approved_principal is None
    assert undone.approved_on_date is None
    assert [e.action for e in undone.timeline] == ["approve", "undo-approval"]


def test_reject_and_withdraw_close_the_application():
    rejected = t.reject(a_loan(), SUBMITTED, "income", ACTOR)
    assert rejected.status is LoanStatus.REJECTED
    assert rejected.rejected_on_date == rejected.closed_on_date == SUBMITTED
    withdrawn = t.withdraw(a_loan(), SUBMITTED, None, ACTOR)
    assert withdrawn.status is LoanStatus.WITHDRAWN
    assert withdrawn.withdrawn_on_date == withdrawn.closed_on_date == SUBMITTED


def test_state_is_checked_before_dates():
    approved = t.approve(a_loan(), SUBMITTED, None, None, ACTOR, MIN)
    with pytest.raises(FailedPrecondition, match="Loan is already approved"):
        t.approve(approved, TODAY + timedelta(days=30), None, None, ACTOR, MIN)
    with pytest.raises(FailedPrecondition, match="Loan Account Reject is not allowed"):
        t.reject(approved, SUBMITTED, None, ACTOR)


@pytest.mark.parametrize("transition", [t.reject, t.withdraw])
def test_reject_and_withdraw_dates(transition):
    with pytest.raises(PermissionDenied):
        transition(a_loan(), TODAY + timedelta(days=1), None, ACTOR)
    with pytest.raises(PermissionDenied):
        transition(a_loan(), SUBMITTED - timedelta(days=1), None, ACTOR)


def test_transitions_do_not_change_the_original():
    loan = a_loan()
    t.approve(loan, SUBMITTED, Decimal(6000), None, ACTOR, MIN)
    assert loan.status is LoanStatus.SUBMITTED
    assert loan.principal == Decimal("10000.00")


class RacingStore:
    """A loan store that loses the first `losses` saves, as if other requests wrote the loan first."""

    def __init__(self, loan, losses: int):
        self.loan, self.losses, self.saves = loan, losses, 0

    def get(self, loan_id):
        return self.loan

    def save(self, loan, also=None):
        from lms.errors import Aborted

        self.saves += 1
        if self.saves <= self.losses:
            raise Aborted("changed by another request", reason="CONCURRENT_MODIFICATION")
        return loan.model_copy(update={"version": loan.version + 1})


def edit_external_id(value: str, amount=None):
    """A change of the loan's external id, as the unit of work runs changes (counted as `edit`
    unless an amount names it otherwise)."""
    from lms.loans.service.unit_of_work import LoanChange

    return LoanChange(
        name="edit",
        apply=lambda loan, found: (loan.model_copy(update={"external_id": value}), None),
        amount_of=lambda _loan, _result: amount,
    )


def test_a_lost_race_is_retried_after_a_jittered_wait_and_then_succeeds():
    from lms.loans.service import unit_of_work

    original = a_loan()
    store = RacingStore(original, losses=3)
    waits: list[float] = []
    work = unit_of_work.LoanUnitOfWork(loans=store, products=object(), funds=object(), sleep=waits.append)
    saved, _ = work.run(original.id, edit_external_id("x"))
    assert store.saves == 4 and saved.version == original.version + 1
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        assert 0 <= wait <= min(unit_of_work.BACKOFF_CAP_SECONDS, unit_of_work.BACKOFF_BASE_SECONDS * 2**attempt)


def test_a_loan_that_keeps_losing_races_is_answered_409_after_the_last_attempt():
    from lms.errors import Aborted
    from lms.loans.service import unit_of_work

    class AlwaysLosing:
        saves = 0

        def get(self, loan_id):
            return a_loan()

        def save(self, loan, also=None):
            self.saves += 1
            raise Aborted("changed by another request", reason="CONCURRENT_MODIFICATION")

    store = AlwaysLosing()
    work = unit_of_work.LoanUnitOfWork(loans=store, products=object(), funds=object(), sleep=lambda seconds: None)
    with pytest.raises(Aborted):
        work.run(1, edit_external_id("x"))
    assert store.saves == unit_of_work.MAX_ATTEMPTS
