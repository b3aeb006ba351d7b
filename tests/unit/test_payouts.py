"""Payouts without storage: the clearing of a disbursement's net amount, the answers a loan takes,
the signals its commits carry, and the sandbox provider's rules."""

from decimal import Decimal

import pytest

from lms.config import get_settings, reset_settings
from lms.errors import ConfigurationError, FailedPrecondition, NotFound
from lms.loans.domain.disbursing.disbursement import disburse, disbursement_status, plan_disbursement, undo_disbursal
from lms.loans.domain.disbursing.payment_methods import PaymentMethod
from lms.loans.domain.disbursing.payout import complete_payout, fail_payout, retry_payout
from lms.loans.domain.disbursing.signals import Notice, PayoutRequest, signals_of
from lms.payouts.provider import PayoutOrder
from lms.payouts.sandbox import DEFAULT_RULES, SandboxPayoutProvider, SandboxRule
from tests.unit.test_disbursement_domain import ACTOR, approved_loan, books, order, product

MNO = {"phoneNumber": "255712345678", "mnoProvider": "MPESA"}


def disbursed(details=MNO):
    loan = approved_loan()
    mno = order(method=PaymentMethod.TIPS_MNO, details=details)
    return disburse(loan, plan_disbursement(loan, product(), mno, ACTOR.today), mno, books(loan), ACTOR)


def lines(entry):
    return [(x.account_id, x.debit, x.credit) for x in entry.lines]


def test_a_completed_payout_moves_the_debt_to_the_rail():
    active = disbursed()
    paid = complete_payout(active, 1, 1, "SBX-DISB-7-1#1", books(active), ACTOR)
    _, payout_entry = paid.journal
    assert payout_entry.reference_type == "payout" and payout_entry.entry_date == ACTOR.today
    assert lines(payout_entry) == [
        ("2400", Decimal("9764.00"), Decimal("0.00")),
        ("1120", Decimal("0.00"), Decimal("9764.00")),
    ]
    payout = paid.disbursement.payout
    assert (payout.status, payout.attempt, payout.entry_id, payout.provider_reference) == (
        "COMPLETED",
        1,
        payout_entry.id,
        "SBX-DISB-7-1#1",
    )
    assert [(a.attempt, a.status) for a in payout.attempts] == [(1, "COMPLETED")]
    assert paid.outbox == active.outbox  # the accounting system heard of the disbursement already
    status = disbursement_status(paid, 1)
    assert (status.status, status.amount, status.attempt) == ("COMPLETED", Decimal("9764.00"), 1)


def test_a_late_or_repeated_answer_changes_nothing():
    active = disbursed()
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    assert complete_payout(paid, 1, 1, "SBX", books(paid), ACTOR) is paid
    assert fail_payout(paid, 1, 1, "late", ACTOR) is paid
    assert complete_payout(active, 1, 2, "SBX", books(active), ACTOR) is active  # not the attempt in force
    assert complete_payout(active, 9, 1, "SBX", books(active), ACTOR) is active  # not its disbursement


def test_a_failed_payout_keeps_the_debt_until_a_retry_pays_it():
    active = disbursed()
    failed = fail_payout(active, 1, 1, "ACCOUNT_CLOSED: closed", ACTOR)
    assert failed.journal == active.journal
    assert (failed.disbursement.payout.status, failed.disbursement.payout.failure_reason) == (
        "FAILED",
        "ACCOUNT_CLOSED: closed",
    )
    status = disbursement_status(failed, 1)
    assert (status.status, status.failure_reason) == ("FAILED", "ACCOUNT_CLOSED: closed")
    retried = retry_payout(failed, 1, ACTOR)
    assert (retried.disbursement.payout.status, retried.disbursement.payout.attempt) == ("PENDING", 2)
    assert complete_payout(retried, 1, 1, "late", books(retried), ACTOR) is retried  # attempt 1 is over
    paid = complete_payout(retried, 1, 2, "SBX", books(retried), ACTOR)
    assert [(a.attempt, a.status) for a in paid.disbursement.payout.attempts] == [(1, "FAILED"), (2, "COMPLETED")]
    assert lines(paid.journal[-1])[1] == ("1120", Decimal("0.00"), Decimal("9764.00"))


def test_only_a_failed_payout_is_retried():
    active = disbursed()
    with pytest.raises(FailedPrecondition, match="this one is PENDING"):
        retry_payout(active, 1, ACTOR)
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    with pytest.raises(FailedPrecondition, match="this one is COMPLETED"):
        retry_payout(paid, 1, ACTOR)
    with pytest.raises(NotFound):
        retry_payout(active, 2, ACTOR)


def test_a_disbursal_is_not_undone_while_its_payout_may_be_under_way():
    active = disbursed()
    with pytest.raises(FailedPrecondition) as refused:
        undo_disbursal(active, books(active), ACTOR, None)
    assert refused.value.reason == "PAYOUT_PENDING"
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    undone = undo_disbursal(paid, books(paid), ACTOR, "returned at the counter")
    nets: dict = {}
    for entry in undone.journal:
        for line in entry.lines:
            nets[line.account_id] = nets.get(line.account_id, 0) + line.debit - line.credit
    assert set(nets.values()) == {0}  # the rail got its money back, the debt is gone
    assert disbursement_status(undone, 1).status == "REVERSED"


def test_commits_signal_payout_requests_and_notices():
    approved = approved_loan()
    active = disbursed()
    assert signals_of(approved, active, "t1").payouts == [PayoutRequest(7, 1, 1)]
    assert signals_of(approved, active, "t1").notices == []
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    assert signals_of(active, paid, "t2").notices == [
        Notice(
            "disbursement.completed",
            {
                "event": "disbursement.completed",
                "transactionId": "DISB-7-1",
                "loanId": "7",
                "status": "COMPLETED",
                "timestamp": "t2",
            },
        )
    ]
    assert signals_of(paid, paid, "t3").notices == [] and signals_of(paid, paid, "t3").payouts == []
    failed = fail_payout(active, 1, 1, "ACCOUNT_CLOSED", ACTOR)
    [notice] = signals_of(active, failed, "t4").notices
    assert (notice.type, notice.body["status"], notice.body["reason"]) == (
        "disbursement.failed",
        "FAILED",
        "ACCOUNT_CLOSED",
    )
    assert signals_of(failed, retry_payout(failed, 1, ACTOR), "t5").payouts == [PayoutRequest(7, 1, 2)]
    closed = paid.model_copy(update={"status": "Closed (obligations met)"})
    assert [n.body for n in signals_of(paid, closed, "t6").notices] == [
        {"event": "loan.closed", "loanId": "7", "status": "CLOSED", "timestamp": "t6"}
    ]
    overpaid = paid.model_copy(update={"status": "Overpaid"})
    assert [n.type for n in signals_of(closed, overpaid, "t7").notices] == ["loan.overpaid"]


def test_every_notice_a_loan_commits_is_an_event_a_webhook_can_subscribe_to():
    from lms.loans.domain.disbursing import signals
    from lms.webhooks.domain import WebhookEvent

    committed = {
        signals.DISBURSEMENT_COMPLETED,
        signals.DISBURSEMENT_FAILED,
        signals.LOAN_CLOSED,
        signals.LOAN_OVERPAID,
        signals.LOAN_OVERDUE,
        signals.LOAN_DELINQUENCY_CHANGED,
        signals.LOAN_PAYMENT_DUE,
    }
    assert committed == {e.value for e in WebhookEvent}


def pay_order(details: dict, attempt: int = 1, asked: int = 0) -> PayoutOrder:
    return PayoutOrder("DISB-7-1", attempt, Decimal("9764.00"), "TZS", "TIPS_MNO", details, None, asked)


@pytest.mark.parametrize(
    ("phone", "attempt", "asked", "expected"),
    [
        ("255712345678", 1, 0, "COMPLETED"),
        ("255712340001", 1, 0, "FAILED"),
        ("255712340001", 2, 0, "COMPLETED"),
        ("255712340002", 3, 0, "FAILED"),
        ("255712340003", 1, 0, "PENDING"),
        ("255712340003", 1, 1, "PENDING"),
        ("255712340003", 1, 2, "COMPLETED"),
        ("255712340004", 1, 50, "PENDING"),
    ],
)
def test_the_sandbox_answers_by_its_rules(phone, attempt, asked, expected):
    result = SandboxPayoutProvider("TIPS_MNO").pay(pay_order({"phoneNumber": phone}, attempt, asked))
    assert result.status == expected
    if expected == "COMPLETED":
        assert result.provider_reference == f"SBX-DISB-7-1#{attempt}"
    if expected == "FAILED":
        assert result.reason.startswith(("RECIPIENT_UNREACHABLE", "ACCOUNT_CLOSED"))


def test_the_sandbox_rules_are_configurable(monkeypatch):
    monkeypatch.setenv("PAYOUT_SANDBOX_RULES", '[{"endsWith": "5678", "outcome": "FAILED", "reason": "NO"}]')
    reset_settings()
    try:
        rules = get_settings().payout_sandbox_rules
        assert rules == (SandboxRule(ends_with="5678", outcome="FAILED", reason="NO"),)
        result = SandboxPayoutProvider("TIPS_MNO", rules).pay(pay_order({"phoneNumber": "255712345678"}))
        assert (result.status, result.reason) == ("FAILED", "NO")
        monkeypatch.setenv("PAYOUT_SANDBOX_RULES", '[{"endsWith": "1", "outcome": "LOST"}]')
        reset_settings()
        with pytest.raises(ConfigurationError, match="PAYOUT_SANDBOX_RULES"):
            get_settings()
        monkeypatch.delenv("PAYOUT_SANDBOX_RULES")
        monkeypatch.setenv("PAYOUT_PROVIDERS", '{"CASH": "acme"}')
        reset_settings()
        with pytest.raises(ConfigurationError, match="PAYOUT_PROVIDERS"):
            get_settings()
    finally:
        monkeypatch.delenv("PAYOUT_PROVIDERS", raising=False)
        reset_settings()
    assert len(DEFAULT_RULES) == 4
