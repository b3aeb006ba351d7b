"""Charging a late-payment penalty on a loan, and taking it back (pure domain, no storage).

The demo loan: 10,000 at 11% flat for 7 days, disbursed 2026-05-23, one installment of 11,100 due
2026-05-30. With a fixed penalty of 500 and 3 grace days it may be paid by 06-02; the penalty is
dated 06-03 and belongs to installment 1 (its charge is due 05-30).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.ledger.domain.accounts import Role
from lms.loans.domain.calculation.late_penalty import LatePenalty, check_late_penalty
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import TransactionType
from tests.support.domain import DomainLoan, account, product

D = Decimal
PENALTY_DATE = date(2026, 6, 3)


def rule(kind="fixed", value="500", grace=3) -> LatePenalty:
    return check_late_penalty(LatePenalty(type=kind, value=D(value), grace_days=grace), "TZS")


def demo(late_penalty: LatePenalty | None = None, **terms) -> DomainLoan:
    loan = DomainLoan(product(), today=date(2026, 12, 4), **terms)
    loan.loan = loan.loan.model_copy(update={"late_penalty": late_penalty or rule()})
    return loan


def lines_of(loan: DomainLoan, txn_id: int) -> list[tuple[str, Decimal, Decimal]]:
    entry_ids = set(loan.loan.transaction(txn_id).entry_ids)
    return [(x.account_id, x.debit, x.credit) for e in loan.loan.journal if e.id in entry_ids for x in e.lines]


def test_a_late_installment_is_charged_its_penalty_dated_the_day_after_the_grace():
    loan = demo()
    change = loan.penalize(date(2026, 12, 4))
    (charge,) = change.charged
    assert change.removed == []
    assert (charge.kind, charge.amount, charge.due_date, charge.late_penalty_of) == (
        ChargeKind.PENALTY,
        D("500.00"),
        date(2026, 5, 30),
        1,
    )
    assert charge.name == "Late payment penalty"
    txn = loan.loan.transaction(charge.transaction_id)
    assert (txn.type, txn.date, txn.amount) == (TransactionType.CHARGE, PENALTY_DATE, D("500.00"))
    assert lines_of(loan, txn.id) == [
        (account(Role.PENALTIES_RECEIVABLE), D("500.00"), D("0")),
        (account(Role.PENALTY_INCOME), D("0"), D("500.00")),
    ]
    entry = next(e for e in loan.loan.journal if e.id in txn.entry_ids)
    assert entry.entry_date == PENALTY_DATE
    assert loan.position().owed.penalties == D("500.00")
    assert loan.net(Role.PENALTIES_RECEIVABLE) == D("500.00")
    assert loan.net(Role.PENALTY_INCOME) == D("-500.00")


def test_charging_again_changes_nothing():
    loan = demo()
    loan.penalize(date(2026, 6, 3))
    before = loan.loan
    again = loan.penalize(date(2026, 12, 4))
    assert not again.changed
    assert loan.loan is before


def test_no_penalty_within_the_grace_or_for_a_loan_paid_in_time():
    loan = demo()
    assert not loan.penalize(date(2026, 6, 2)).changed  # the grace ends at the end of 06-02
    loan.repay("11100", date(2026, 6, 2))
    assert not loan.penalize(date(2026, 12, 4)).changed


def test_a_percent_penalty_is_of_the_unpaid_principal_and_interest_when_the_grace_ended():
    loan = demo(rule("percent", "0.5"))
    loan.repay("199", date(2026, 6, 1), today=date(2026, 6, 1))  # 10,901 left: 0.5% is 54.505, half-even 54.50
    (charge,) = loan.penalize(date(2026, 6, 3)).charged
    assert charge.amount == D("54.50")


def test_the_penalty_is_waivable_and_stays_the_installments_penalty():
    loan = demo()
    (charge,) = loan.penalize(date(2026, 6, 3)).charged
    waived = loan.waive(charge.id, today=date(2026, 6, 4))
    assert (waived.waived, waived.waived_amount, waived.late_penalty_of) == (True, D("500.00"), 1)
    assert not loan.penalize(date(2026, 12, 4)).changed  # waived, not removed: not charged again
    assert loan.net(Role.PENALTY_INCOME) == 0


def test_a_penalty_no_longer_due_is_reversed_with_its_ledger_lines():
    loan = demo()
    (charge,) = loan.penalize(date(2026, 6, 3)).charged
    # Recorded later, dated within the grace: the installment was paid in time. (The payment's own
    # commit would take the penalty back: here the rule is left out of it, to see the operation alone.)
    rule_of_loan = loan.loan.late_penalty
    loan.loan = loan.loan.model_copy(update={"late_penalty": None})
    loan.repay("11100", date(2026, 6, 2), today=date(2026, 6, 10))
    loan.loan = loan.loan.model_copy(update={"late_penalty": rule_of_loan})
    change = loan.penalize(date(2026, 6, 10))
    assert change.removed == [charge.id] and change.charged == []
    txn = loan.loan.transaction(charge.transaction_id)
    assert txn.reversed and txn.reversed_on == date(2026, 6, 10) and txn.entry_ids == []
    assert loan.net(Role.PENALTIES_RECEIVABLE) == 0
    assert loan.net(Role.PENALTY_INCOME) == 0
    assert loan.position().owed.total == 0
    removed = next(c for c in loan.loan.charges if c.id == charge.id)
    assert (removed.paid, removed.outstanding) == (0, 0)


def test_the_repayment_pays_the_penalty_and_the_accounting_push_names_it():
    loan = demo()
    loan.penalize(date(2026, 6, 3))
    paid = loan.repay("11600", date(2026, 6, 5))
    assert paid.portions.penalties == D("500.00")
    event = loan.loan.outbox[-1]
    assert event.type == "REPAYMENT"
    assert (event.payload["feeAmount"], event.payload["feeName"]) == (D("500.00"), "Late payment penalty")
    assert loan.net(Role.PENALTIES_RECEIVABLE) == 0
    assert loan.net(Role.PENALTY_INCOME) == D("-500.00")


def test_catching_up_many_installments_at_once_charges_each_once():
    loan = demo(number_of_repayments=4, loan_term_frequency=28)
    change = loan.penalize(date(2026, 12, 4))
    assert [(c.late_penalty_of, c.amount) for c in change.charged] == [(n, D("500.00")) for n in (1, 2, 3, 4)]
    assert loan.net(Role.PENALTY_INCOME) == D("-2000.00")


def test_a_back_dated_payment_made_before_the_grace_ended_removes_the_penalty_and_its_ledger_lines():
    loan = demo()
    (charge,) = loan.penalize(date(2026, 6, 3)).charged
    penalty_txn = charge.transaction_id
    assert lines_of(loan, penalty_txn) != []
    # Recorded on 06-10, dated 06-02: paid in time after all. The penalty goes in the payment's commit.
    loan.repay("11100", date(2026, 6, 2), today=date(2026, 6, 10))
    txn = loan.loan.transaction(penalty_txn)
    assert txn.reversed and txn.entry_ids == []
    mirrored = [e for e in loan.loan.journal if e.reference_id == f"{loan.loan.id}/{penalty_txn}"]
    assert [(e.status.value, [(x.account_id, x.debit, x.credit) for x in e.lines]) for e in mirrored] == [
        (
            "reversed",
            [
                (account(Role.PENALTIES_RECEIVABLE), D("500.00"), D("0")),
                (account(Role.PENALTY_INCOME), D("0"), D("500.00")),
            ],
        ),
        (
            "posted",
            [
                (account(Role.PENALTIES_RECEIVABLE), D("0"), D("500.00")),
                (account(Role.PENALTY_INCOME), D("500.00"), D("0")),
            ],
        ),
    ]
    assert loan.net(Role.PENALTIES_RECEIVABLE) == 0 and loan.net(Role.PENALTY_INCOME) == 0
    assert loan.loan.status.value == "Closed (obligations met)"
    assert not loan.penalize(date(2026, 6, 10)).changed


def test_a_payment_dated_after_the_grace_keeps_the_penalty():
    loan = demo()
    loan.penalize(date(2026, 6, 3))
    paid = loan.repay("11100", date(2026, 6, 3), today=date(2026, 6, 10))
    assert paid.portions.penalties == D("500.00")  # penalties first: 500 of principal is still owed
    assert loan.position().owed.principal == D("500.00")
    assert loan.net(Role.PENALTY_INCOME) == D("-500.00")


def test_a_reversal_that_reopens_an_installment_restores_its_days_past_due_and_its_penalty():
    from lms.loans.domain.calculation.delinquency import delinquency

    loan = demo()
    paid = loan.repay("11100", date(2026, 6, 1), today=date(2026, 6, 1))
    assert not loan.penalize(date(2026, 6, 10)).changed
    assert delinquency(loan.position(), date(2026, 6, 10)).days_past_due == 0
    loan.reverse(paid.id, today=date(2026, 6, 10))
    d = delinquency(loan.position(), date(2026, 6, 10))
    assert (d.days_past_due, d.overdue_since, d.arrears.total) == (11, date(2026, 5, 30), D("11600.00"))
    (charge,) = [c for c in loan.loan.charges if c.late_penalty_of == 1]
    assert loan.loan.transaction(charge.transaction_id).date == PENALTY_DATE
    assert loan.net(Role.PENALTIES_RECEIVABLE) == D("500.00")
    assert not loan.penalize(date(2026, 6, 10)).changed
