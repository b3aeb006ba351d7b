"""Issue 26, case 7: the records a replay touches show what the ledger holds for them (no storage).

A waiver's and a charge-off's amounts are what they forgive and write off as replayed, and a
charge's paid, waived and outstanding parts follow the payments and waivers in force.
"""

from datetime import date
from decimal import Decimal

from lms.ledger.domain.accounts import Role
from lms.ledger.domain.entries import EntryStatus
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import TransactionType
from tests.support.domain import DomainLoan, account, product

D = Decimal
MAY23 = date(2026, 5, 23)


def lines_of(loan: DomainLoan, txn_id: int) -> dict[str, Decimal]:
    """Debits less credits per account over the entries in force for one transaction."""
    nets: dict[str, Decimal] = {}
    for entry in loan.loan.journal:
        mine = entry.reference_id == f"{loan.loan.id}/{txn_id}"
        if mine and entry.status is EntryStatus.POSTED and entry.reverses is None:  # not mirrored, not a mirror
            for line in entry.lines:
                nets[line.account_id] = nets.get(line.account_id, D(0)) + line.debit - line.credit
    return {k: v for k, v in nets.items() if v}


def of_type(loan: DomainLoan, kind: TransactionType):
    return next(t for t in loan.loan.transactions if t.type is kind)


def test_a_charge_off_shows_the_principal_it_writes_off_after_the_repayment_before_it_is_reversed():
    loan = DomainLoan(product(max_principal=D(1000000)), principal=100000, number_of_repayments=4)
    repaid = loan.repay(20000, date(2026, 5, 30))
    assert (repaid.portions.interest, repaid.portions.principal) == (D("11000.00"), D("9000.00"))
    loan.charge_off(date(2026, 6, 1))
    charged_off = of_type(loan, TransactionType.CHARGE_OFF)
    assert (charged_off.amount, charged_off.portions.principal) == (D("91000.00"), D("91000.00"))

    loan.reverse(repaid.id)

    charged_off = of_type(loan, TransactionType.CHARGE_OFF)
    assert (charged_off.amount, charged_off.portions.principal) == (D("100000.00"), D("100000.00"))
    assert loan.net(Role.CHARGE_OFF_EXPENSE) == D("100000.00")
    assert lines_of(loan, charged_off.id) == {
        account(Role.CHARGE_OFF_EXPENSE): D("100000.00"),
        account(Role.LOANS_RECEIVABLE): D("-100000.00"),
    }
    assert len(charged_off.entry_ids) == 1


def test_a_waiver_a_back_dated_payment_made_needless_shows_nothing_waived_and_the_charge_paid():
    loan = DomainLoan(product())
    penalty = loan.charge(1000, date(2026, 5, 25), kind=ChargeKind.PENALTY, name="Late")
    waived = loan.waive(penalty.id)  # recorded today, 1 November
    assert (waived.waived, waived.waived_amount, waived.paid, waived.outstanding) == (
        True,
        D("1000.00"),
        D("0.00"),
        D("0.00"),
    )
    waiver = of_type(loan, TransactionType.WAIVER)
    assert (waiver.amount, waiver.portions.penalties, waiver.waiver_limit) == (D("1000.00"), D("1000.00"), D("1000.00"))

    paid = loan.repay(1000, date(2026, 5, 26))  # applies before the waiver: pays the penalty

    assert paid.portions.penalties == D("1000.00")
    waiver = of_type(loan, TransactionType.WAIVER)
    assert (waiver.amount, waiver.portions.penalties, waiver.entry_ids) == (D("0.00"), D("0.00"), [])
    assert waiver.waiver_limit == D("1000.00")  # what it may forgive again if the payment goes
    assert lines_of(loan, waiver.id) == {}
    charge = loan.loan.charges[0]
    assert (charge.waived, charge.waived_amount, charge.paid, charge.outstanding) == (
        False,
        D("0.00"),
        D("1000.00"),
        D("0.00"),
    )
    assert loan.net(Role.PENALTY_INCOME) == D("-1000.00")
    assert loan.net(Role.PENALTIES_RECEIVABLE) == 0
    # The payment is pushed naming the penalty it paid (a charge a waiver forgives is left out).
    pushed = [e.payload for e in loan.loan.outbox if e.type == "REPAYMENT" and e.transaction_id == paid.id]
    assert [(p["feeAmount"], p["feeName"]) for p in pushed] == [(D("1000.00"), "Late")]

    loan.reverse(paid.id)  # the waiver forgives the penalty again

    waiver = of_type(loan, TransactionType.WAIVER)
    assert (waiver.amount, waiver.portions.penalties) == (D("1000.00"), D("1000.00"))
    assert lines_of(loan, waiver.id) == {
        account(Role.PENALTY_INCOME): D("1000.00"),
        account(Role.PENALTIES_RECEIVABLE): D("-1000.00"),
    }
    charge = loan.loan.charges[0]
    assert (charge.waived, charge.waived_amount, charge.paid, charge.outstanding) == (
        True,
        D("1000.00"),
        D("0.00"),
        D("0.00"),
    )


def test_a_back_dated_payment_of_part_of_a_waived_charge_leaves_the_waiver_the_rest():
    loan = DomainLoan(product())
    penalty = loan.charge(1000, date(2026, 5, 25), kind=ChargeKind.PENALTY, name="Late")
    loan.waive(penalty.id)
    loan.repay(300, date(2026, 5, 26))
    waiver = of_type(loan, TransactionType.WAIVER)
    assert (waiver.amount, waiver.portions.penalties) == (D("700.00"), D("700.00"))
    assert lines_of(loan, waiver.id) == {
        account(Role.PENALTY_INCOME): D("700.00"),
        account(Role.PENALTIES_RECEIVABLE): D("-700.00"),
    }
    charge = loan.loan.charges[0]
    assert (charge.waived, charge.waived_amount, charge.paid, charge.outstanding) == (
        True,
        D("700.00"),
        D("300.00"),
        D("0.00"),
    )


def test_a_charge_shows_what_payments_paid_of_it_and_what_is_still_owed():
    loan = DomainLoan(product())
    fee = loan.charge(100, MAY23)
    assert (fee.paid, fee.outstanding, fee.waived) == (D("0.00"), D("100.00"), False)
    loan.repay(60, date(2026, 5, 24))
    charge = loan.loan.charges[0]
    assert (charge.paid, charge.waived_amount, charge.outstanding) == (D("60.00"), D("0.00"), D("40.00"))
    assert loan.net(Role.FEES_RECEIVABLE) == D("40.00")
