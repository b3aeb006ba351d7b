"""The funds control without storage: what each loan commit does to a rail's available balance, and
how a withdrawal is taken from an account's shards."""

from decimal import Decimal

import pytest

from lms.errors import PaymentRequired
from lms.ledger.domain.accounts import Role
from lms.ledger.domain.entries import JournalLine
from lms.ledger.domain.funds import FUNDED_ROLES, net_moves, plan_withdrawal, shard_for
from lms.loans.domain.aggregate.payment_types import payment_type
from lms.loans.domain.disbursing.disbursement import disburse, plan_disbursement, undo_disbursal
from lms.loans.domain.disbursing.funds import funds_moves, promised
from lms.loans.domain.disbursing.payment_methods import RAIL_ACCOUNTS, PaymentMethod
from lms.loans.domain.disbursing.payout import complete_payout, fail_payout, retry_payout
from lms.loans.domain.operations.payments import PaymentOrder, repay, reverse_transaction
from tests.unit.test_disbursement_domain import ACTOR, TODAY, approved_loan, books, order, product

BASE = "TZS"
MNO = {"phoneNumber": "255712345678", "mnoProvider": "MPESA"}
NET = Decimal("9764.00")  # 10,000 less the admin fee and its VAT (test_disbursement_domain's product)


def disbursed(method=PaymentMethod.TIPS_MNO, details=MNO):
    loan = approved_loan()
    mno = order(method=method, details=details)
    return disburse(loan, plan_disbursement(loan, product(), mno, TODAY), mno, books(loan), ACTOR)


def test_every_disbursement_rail_is_funded():
    assert set(RAIL_ACCOUNTS.values()) == FUNDED_ROLES
    assert Role.LOANS_RECEIVABLE not in FUNDED_ROLES


def test_a_disbursement_promises_its_net_amount_out_of_its_rail():
    loan = approved_loan()
    active = disbursed()
    assert promised(active, BASE) == {"1120": NET}
    assert funds_moves(loan, active, BASE) == {"1120": -NET}


def test_a_completed_payout_keeps_the_promise_and_moves_nothing():
    active = disbursed()
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    assert promised(paid, BASE) == {}
    assert funds_moves(active, paid, BASE) == {}  # the rail is credited as the promise ends


def test_a_failed_payout_gives_the_money_back_and_a_retry_takes_it_again():
    active = disbursed()
    failed = fail_payout(active, 1, 1, "declined", ACTOR)
    assert funds_moves(active, failed, BASE) == {"1120": NET}
    retried = retry_payout(failed, 1, ACTOR)
    assert funds_moves(failed, retried, BASE) == {"1120": -NET}


def test_undoing_a_paid_disbursal_returns_the_cash_and_undoing_a_failed_one_nothing():
    active = disbursed()
    paid = complete_payout(active, 1, 1, "SBX", books(active), ACTOR)
    assert funds_moves(paid, undo_disbursal(paid, books(paid), ACTOR, None), BASE) == {"1120": NET}
    failed = fail_payout(active, 1, 1, "declined", ACTOR)
    assert funds_moves(failed, undo_disbursal(failed, books(failed), ACTOR, None), BASE) == {}


def test_a_cash_repayment_puts_money_in_and_its_reversal_takes_it_out():
    active = disbursed()
    cash = PaymentOrder(on=TODAY, amount=Decimal(500), kind=payment_type(1), reference="R-1")
    repaid, txn = repay(active, cash, books(active), ACTOR)
    assert funds_moves(active, repaid, BASE) == {"1100": Decimal(500)}
    reversed_, _ = reverse_transaction(repaid, txn.id, "bounced", books(repaid), ACTOR)
    assert funds_moves(repaid, reversed_, BASE) == {"1100": Decimal(-500)}


def test_net_moves_counts_only_funded_accounts_and_drops_zeros():
    lines = [
        JournalLine(account_id="1100", debit=Decimal(100)),
        JournalLine(account_id="1100", credit=Decimal(40)),
        JournalLine(account_id="1110", debit=Decimal(5)),
        JournalLine(account_id="1110", credit=Decimal(5)),
        JournalLine(account_id="3000", credit=Decimal(60)),
    ]
    assert net_moves(lines, {"1100", "1110"}) == {"1100": Decimal(60)}


def test_a_withdrawal_takes_as_few_shards_as_cover_it_from_its_start():
    shards = [Decimal(10), Decimal(0), Decimal(-5), Decimal(30), Decimal(0), Decimal(0), Decimal(0), Decimal(20)]
    assert plan_withdrawal("1100", shards, Decimal(25), start=3) == [(3, Decimal(25))]
    assert plan_withdrawal("1100", shards, Decimal(45), start=3) == [(3, Decimal(30)), (7, Decimal(15))]
    # From the last shard round to the first, skipping the empty and the overdrawn.
    assert plan_withdrawal("1100", shards, Decimal(55), start=7) == [
        (7, Decimal(20)),
        (0, Decimal(10)),
        (3, Decimal(25)),
    ]


def test_a_withdrawal_beyond_the_available_balance_is_402():
    shards = [Decimal(10), Decimal(-5), *[Decimal(0)] * 6]
    with pytest.raises(PaymentRequired) as refused:
        plan_withdrawal("1100", shards, Decimal(6), start=0)  # 10 in one shard, but 5 is overdrawn
    assert refused.value.reason == "INSUFFICIENT_FUNDS"
    assert refused.value.message == "Insufficient funds in disbursement account 1100: 5 available, 6 needed"
    assert plan_withdrawal("1100", shards, Decimal(5), start=1) == [(0, Decimal(5))]


def test_the_start_shard_depends_on_the_writer_only():
    assert shard_for("7#abc#1100") == shard_for("7#abc#1100")
    assert len({shard_for(f"{n}#k#1100") for n in range(200)}) == 8
