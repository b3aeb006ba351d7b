"""Random sequences of every money operation on random products and dates, checked after every step.

A hypothesis state machine drives one loan through the pure domain (disburse, undo, repay, pay by
components, back-dated pay, reverse, charge, waive, refund, settle, charge off, recover, and the
monthly revenue run; with a random late-penalty rule on the loan, the daily close of business,
which charges and takes back late penalties, as payments and reversals do as of today) and,
after every step, checks:
- every journal entry balances;
- the loan's ledger balances per account equal its position recomputed from scratch by replay;
- nothing that cannot be negative is: no component outstanding, no credit, no receivable, no
  liability with the wrong sign;
- reversing the latest payment restores every balance as it was before it;
- a refused operation changes nothing;
- a closed loan has no interest receivable and its interest income is the interest paid;
- the accounting system accepted every event, in order, and holds what the ledger says;
- every transaction record equals the journal lines in force for it (per account, its split; in
  all, its amount), and every charge's paid, waived and outstanding parts equal what the payments,
  waivers and receivables in the ledger hold for it.

`make test` runs a bounded number of examples; `make fuzz` sets LMS_MONEY_EXAMPLES (and
LMS_MONEY_STEPS) for a long run. A failure prints the steps and a `@reproduce_failure` blob.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from lms.errors import LmsError
from lms.ledger.domain.accounts import Role
from lms.ledger.domain.entries import EntryStatus
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.accrual import month_of, next_month
from lms.loans.domain.calculation.late_penalty import LatePenalty, check_late_penalty
from lms.loans.domain.disbursing.disbursement import DisbursementOrder, disburse, plan_disbursement
from lms.loans.domain.operations.late_penalties import held_penalties
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import PAYMENTS, REVERSIBLE, Portions
from lms.loans.domain.records.transactions import TransactionType as T
from lms.money import ZERO
from lms.products.domain import FeeRule
from tests.support.domain import AT, BASE, Books, DomainLoan, account, product

D = Decimal
OPENED = date(2026, 5, 1)
TODAY = date(2026, 11, 1)
EXAMPLES = int(os.environ.get("LMS_MONEY_EXAMPLES", "40"))
STEPS = int(os.environ.get("LMS_MONEY_STEPS", "25"))

cents = st.integers(min_value=1, max_value=1_500_000).map(lambda n: D(n).scaleb(-2))
days = st.integers(min_value=0, max_value=(TODAY - OPENED).days)
LIVE = (LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.OVERPAID)

products = st.fixed_dictionaries(
    {
        "number_of_repayments": st.integers(min_value=1, max_value=4),
        "repayment_frequency_type": st.sampled_from([0, 1, 2]),
        "repayment_every": st.sampled_from([1, 7]),
        "interest_rate_per_period": st.sampled_from([D(0), D(3), D(11)]),
        "interest_type": st.sampled_from([0, 1]),
        "amortization_type": st.sampled_from([0, 1]),
        "transaction_processing_strategy_code": st.sampled_from(
            ["mifos-standard-strategy", "interest-principal-penalties-fees-order-strategy"]
        ),
        "settlement_fee": st.sampled_from(
            [None, FeeRule(type="percent", value=D(1)), FeeRule(type="fixed", value=D(30))]
        ),
        "admin_fee": st.sampled_from([None, FeeRule(type="percent", value=D(2))]),
        "deduct_first_period_interest": st.booleans(),
        "principal": st.sampled_from([D(1000), D(10000), D("12345.67")]),
    }
)


class MoneyRules(RuleBasedStateMachine):
    @initialize(
        config=products,
        start=st.integers(min_value=0, max_value=60),
        late_penalty=st.sampled_from(
            [
                None,
                LatePenalty(type="fixed", value=D(50), grace_days=0),
                LatePenalty(type="percent", value=D(2), grace_days=3),
            ]
        ),
    )
    def open(self, config, start, late_penalty):
        principal = config.pop("principal")
        every = config["repayment_every"] if config["repayment_frequency_type"] != 2 else 1
        config = {**config, "repayment_every": every, "max_number_of_repayments": 4, "principal": principal}
        self.product = product(**config, min_principal=D(100), max_principal=D(1000000))
        self.loan = DomainLoan(
            self.product, principal, on=OPENED + timedelta(days=start), today=TODAY, number_of_repayments=None
        )
        if late_penalty is not None:  # the product's rule, as the loan takes it
            rule = check_late_penalty(late_penalty, self.product.currency)
            self.loan.loan = self.loan.loan.model_copy(update={"late_penalty": rule})
        # The payment recorded by the last operation, and the balances before it: reversing it
        # must give them back exactly.
        self.last: tuple | None = None

    # -- helpers -------------------------------------------------------------------------------
    def attempt(self, operation):
        """Run an operation; if the domain refuses it, nothing may have changed."""
        before = self.loan.loan.model_dump()
        delivered = self.loan.delivered
        try:
            return operation()
        except LmsError:
            assert self.loan.loan.model_dump() == before, "a refused operation changed the loan"
            assert self.loan.delivered == delivered
            return None

    def on(self, offset: int) -> date:
        disbursed = self.loan.loan.disbursed_on_date or OPENED
        return min(disbursed + timedelta(days=offset), TODAY)

    def balances(self) -> dict:
        return {"nets": dict(self.loan.nets()), "summary": self.loan.summary(), "status": self.loan.loan.status}

    def penalties(self) -> set[int]:
        """The installments holding a late penalty in force."""
        return set(held_penalties(self.loan.loan))

    def payments(self) -> list:
        return [t for t in self.loan.loan.transactions if t.active and t.type in REVERSIBLE]

    # -- operations ----------------------------------------------------------------------------
    @precondition(lambda self: self.loan.loan.status in LIVE)
    @rule(amount=cents, offset=days)
    def repay(self, amount, offset):
        before = self.balances()
        charges = len(self.loan.loan.charges)
        txn = self.attempt(lambda: self.loan.repay(amount, self.on(offset)))
        if txn is not None:
            # A payment that also brought the late penalties up to date is not undone by its reversal alone.
            self.last = (txn.id, before, self.penalties()) if len(self.loan.loan.charges) == charges else None

    @precondition(lambda self: self.loan.loan.status in LIVE)
    @rule(amount=cents, offset=days, shares=st.tuples(*[st.integers(0, 4)] * 4))
    def pay_by_components(self, amount, offset, shares):
        total = sum(shares) or 1
        parts = [(amount * share / total).quantize(D("0.01")) for share in shares]
        parts[0] += amount - sum(parts)
        split = Portions(principal=parts[0], interest=parts[1], fees=parts[2], penalties=parts[3])
        before = self.balances()
        charges = len(self.loan.loan.charges)
        txn = self.attempt(lambda: self.loan.repay(amount, self.on(offset), split=split))
        if txn is not None:
            self.last = (txn.id, before, self.penalties()) if len(self.loan.loan.charges) == charges else None

    @precondition(lambda self: self.loan.loan.status in LIVE)
    @rule(pick=st.integers(min_value=0, max_value=50))
    def reverse(self, pick):
        payments = self.payments()
        if not payments:
            return
        txn = payments[pick % len(payments)]
        newest = self.last if self.last and self.last[0] == txn.id else None
        done = self.attempt(lambda: self.loan.reverse(txn.id))
        if done is not None:
            self.last = None
        if newest is not None and self.penalties() != newest[2]:
            # Reopening an installment brought back a penalty that was not charged before the payment
            # (nothing had brought the penalties up to date): the reversal rightly charged it.
            newest = None
        if done is not None and newest is not None:
            restored = self.balances()
            assert restored["summary"] == newest[1]["summary"], "reversal did not restore the loan"
            nets = {k: v for k, v in restored["nets"].items() if v}
            assert nets == {k: v for k, v in newest[1]["nets"].items() if v}, "reversal did not restore the books"

    @precondition(lambda self: self.loan.loan.status in (LoanStatus.ACTIVE, LoanStatus.CLOSED))
    @rule(amount=st.integers(min_value=1, max_value=500).map(D), due=days, penalty=st.booleans())
    def charge(self, amount, due, penalty):
        kind = ChargeKind.PENALTY if penalty else ChargeKind.FEE
        if self.attempt(lambda: self.loan.charge(amount, self.on(due), kind=kind)) is not None:
            self.last = None  # a reversal no longer restores the state before the last payment alone

    @precondition(lambda self: self.loan.loan.status in LIVE and self.loan.loan.charges)
    @rule(pick=st.integers(min_value=0, max_value=50))
    def waive(self, pick):
        charges = self.loan.loan.charges
        if self.attempt(lambda: self.loan.waive(charges[pick % len(charges)].id)) is not None:
            self.last = None

    @precondition(lambda self: self.loan.loan.status is LoanStatus.OVERPAID)
    @rule(amount=st.none() | cents, offset=days)
    def refund(self, amount, offset):
        before = self.balances()
        txn = self.attempt(lambda: self.loan.refund(amount, self.on(offset)))
        if txn is not None:
            self.last = (txn.id, before, self.penalties())

    @precondition(lambda self: self.loan.loan.status is LoanStatus.ACTIVE)
    @rule(offset=days)
    def settle(self, offset):
        before = self.balances()
        txn = self.attempt(lambda: self.loan.settle(self.on(offset)))
        if txn is not None:
            self.last = (txn.id, before, self.penalties())  # its settlement fee is reversed with it

    @precondition(lambda self: self.loan.loan.status is LoanStatus.ACTIVE and not self.loan.loan.charged_off)
    @rule(offset=days)
    def charge_off(self, offset):
        if self.attempt(lambda: self.loan.charge_off(self.on(offset))) is not None:
            self.last = None

    @rule(offset=days)
    def close_business(self, offset):
        """The daily close of business for a date (the run may come late, twice, or for an earlier date)."""
        before = self.loan.loan
        if self.attempt(lambda: self.loan.close_business(self.on(offset))) is not None and self.loan.loan is not before:
            self.last = None

    @precondition(lambda self: self.loan.loan.status in LIVE)
    @rule(months=st.integers(min_value=0, max_value=5))
    def run_month(self, months):
        month = month_of(OPENED)
        for _ in range(months):
            month = next_month(month)
        if month < month_of(self.runs_before()) and self.attempt(lambda: self.loan.run(month)) is not None:
            self.last = None

    def runs_before(self) -> date:
        """A month is run once it has ended by this date."""
        return TODAY

    @precondition(lambda self: self.loan.loan.status in LIVE)
    @rule()
    def undo_disbursal(self):
        if self.attempt(self.loan.undo) is not None:
            self.last = None

    @precondition(lambda self: self.loan.loan.status is LoanStatus.APPROVED)
    @rule(offset=st.integers(min_value=0, max_value=30))
    def disburse_again(self, offset):
        loan = self.loan.loan
        order = DisbursementOrder(on=(loan.approved_on_date or OPENED) + timedelta(days=offset), amount=loan.principal)

        def again():
            plan = plan_disbursement(loan, self.product, order, TODAY)
            return disburse(loan, plan, order, Books(loan, BASE, AT, "ak_test"), self.loan.actor())

        disbursed = self.attempt(again)
        if disbursed is not None:
            self.loan._deliver(disbursed)

    @precondition(lambda self: (d := self.loan.loan.disbursement) is not None and d.payout.status == "PENDING")
    @rule(completed=st.booleans())
    def payout_answered(self, completed):
        if self.attempt(lambda: self.loan.payout_answered("COMPLETED" if completed else "FAILED")) is not None:
            self.last = None  # the books moved since the last payment: its reversal restores less

    @precondition(lambda self: (d := self.loan.loan.disbursement) is not None and d.payout.status == "FAILED")
    @rule()
    def retry_payout(self):
        if self.attempt(self.loan.retry_payout) is not None:
            self.last = None

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def what_is_not_paid_out_is_owed_to_the_borrower(self):
        """The net disbursement sits in Disbursements payable until its payout completes, and the
        rail pays out exactly once."""
        loan = self.loan.loan
        nets = self.loan.nets()
        payable = nets.get(account(Role.DISBURSEMENTS_PAYABLE), ZERO)
        record = loan.disbursement
        if record is None:
            assert payable == 0
            return
        paid = record.payout.status == "COMPLETED"
        assert payable == (ZERO if paid else -record.net_amount)
        payouts = [
            e
            for e in loan.journal
            if e.reference_type == "payout" and e.status is EntryStatus.POSTED and not e.reverses
        ]
        assert len(payouts) == (1 if paid else 0)
        assert (record.payout.entry_id is not None) == paid

    @invariant()
    def every_entry_balances(self):
        for entry in self.loan.loan.journal:
            assert entry.total_debits == entry.total_credits, entry.id

    @invariant()
    def ledger_equals_the_position_replayed_from_scratch(self):
        loan = self.loan.loan
        nets = self.loan.nets()

        def net(role: Role) -> D:
            return nets.get(account(role), ZERO)

        if loan.status is LoanStatus.APPROVED:  # disbursal undone: every entry mirrored
            assert all(v == 0 for v in nets.values()), nets
            return
        position = position_of(loan)
        owed, paid = position.owed, position.paid
        recovered = sum(
            (
                a.portions.principal
                for t, a in position.applied.items()
                if a.after_charge_off and loan.transaction(t).type in PAYMENTS
            ),
            ZERO,
        )
        assert net(Role.LOANS_RECEIVABLE) == owed.principal - position.charged_off_principal + recovered
        assert net(Role.CHARGE_OFF_EXPENSE) == position.charged_off_principal
        assert net(Role.RECOVERY_INCOME) == -recovered
        assert net(Role.FEES_RECEIVABLE) == owed.fees
        assert net(Role.PENALTIES_RECEIVABLE) == owed.penalties
        assert net(Role.CUSTOMER_OVERPAYMENTS) == -position.credit_balance
        recognised = -net(Role.INTEREST_INCOME)
        assert net(Role.INTEREST_RECEIVABLE) == recognised - paid.interest
        taken_back = {e.payload["reversedEventId"] for e in loan.outbox if e.type == "REVERSAL"}
        reported = sum(
            (e.payload["revenueAmount"] for e in loan.outbox if e.type == "REVENUE_REPORT" and e.id not in taken_back),
            ZERO,
        )
        assert recognised == reported, "interest income differs from the revenue reports in force"

    @invariant()
    def nothing_negative_that_cannot_be(self):
        loan = self.loan.loan
        if loan.status is LoanStatus.APPROVED:
            return
        position = position_of(loan)
        for installment in position.installments:
            for component in ("principal", "interest", "fees", "penalties"):
                assert installment.outstanding(component) >= 0, (installment.number, component)
        assert position.credit_balance >= 0
        for role in (Role.LOANS_RECEIVABLE, Role.INTEREST_RECEIVABLE, Role.FEES_RECEIVABLE, Role.PENALTIES_RECEIVABLE):
            assert self.loan.net(role) >= 0, role
        assert self.loan.net(Role.CUSTOMER_OVERPAYMENTS) <= 0

    @invariant()
    def a_closed_loan_has_earned_exactly_the_interest_paid(self):
        loan = self.loan.loan
        if loan.status in (LoanStatus.CLOSED, LoanStatus.OVERPAID):
            assert self.loan.net(Role.INTEREST_RECEIVABLE) == 0
            assert -self.loan.net(Role.INTEREST_INCOME) == position_of(loan).paid.interest

    @invariant()
    def the_accounting_system_holds_what_the_ledger_says(self):
        loan = self.loan.loan
        books = self.loan.books()
        if loan.status is LoanStatus.APPROVED:
            assert books is None or not books["disbursed"]
            return
        position = position_of(loan)
        assert books["openInterest"] == self.loan.net(Role.INTEREST_RECEIVABLE)
        assert books["outstandingPrincipal"] == position.principal_disbursed - position.paid.principal

    @invariant()
    def every_record_equals_the_journal_lines_booked_for_it(self):
        loan = self.loan.loan
        in_force: dict[int, list] = defaultdict(list)  # transaction id -> its entries in force
        for entry in loan.journal:
            if entry.status is EntryStatus.POSTED and not entry.reverses and entry.reference_type != "payout":
                owner = entry.reference_id.partition("/")[2]
                if owner:
                    in_force[int(owner)].append(entry)
        for txn in loan.transactions:
            entries = in_force.get(txn.id, [])
            assert sorted(txn.entry_ids) == sorted(e.id for e in entries), (txn.id, txn.type)
            if not txn.active:
                assert not entries, (txn.id, txn.type)
                continue
            expected = expected_nets(txn, loan.charges)
            held = nets_of(entries)
            if txn.type is T.DISBURSEMENT:  # its entry also pays out and books the deductions
                held = {k: v for k, v in held.items() if k in COMPONENT_ACCOUNTS}
            assert held == expected, (txn.id, txn.type, txn.amount, txn.portions)

    @invariant()
    def every_charge_shows_what_paid_and_waived_it(self):
        loan = self.loan.loan
        active = {t.id for t in loan.transactions if t.active}
        paid = dict.fromkeys(("fees", "penalties"), ZERO)
        for txn in loan.transactions:
            if txn.active and (txn.type in PAYMENTS or txn.type is T.DISBURSEMENT):
                paid = {c: paid[c] + getattr(txn.portions, c) for c in paid}
        charged = {c: dict.fromkeys(("paid", "outstanding"), ZERO) for c in paid}
        for charge in loan.charges:
            waivers = [t for t in loan.transactions if t.active and t.type is T.WAIVER and t.charge_id == charge.id]
            forgiven = sum((t.amount for t in waivers), ZERO)
            if charge.transaction_id not in active:
                assert (charge.paid, charge.waived_amount, charge.outstanding, forgiven) == (0, 0, 0, 0), charge
                continue
            assert charge.waived_amount == forgiven, charge
            assert charge.waived is (forgiven > 0), charge
            assert charge.paid >= 0 and charge.outstanding >= 0, charge
            assert charge.paid + charge.waived_amount + charge.outstanding == charge.amount, charge
            for part in ("paid", "outstanding"):
                charged[charge.kind.component][part] += getattr(charge, part)
        if loan.status is LoanStatus.APPROVED:
            return
        # The products here schedule no fees: every fee or penalty paid or owed is a charge's.
        assert {c: charged[c]["paid"] for c in paid} == paid
        assert charged["fees"]["outstanding"] == self.loan.net(Role.FEES_RECEIVABLE)
        assert charged["penalties"]["outstanding"] == self.loan.net(Role.PENALTIES_RECEIVABLE)


COMPONENT_ACCOUNTS = {
    account(role)
    for role in (
        Role.LOANS_RECEIVABLE,
        Role.INTEREST_RECEIVABLE,
        Role.FEES_RECEIVABLE,
        Role.PENALTIES_RECEIVABLE,
        Role.CUSTOMER_OVERPAYMENTS,
    )
}
CHARGE_ROLES = {
    ChargeKind.FEE: (Role.FEES_RECEIVABLE, Role.FEE_INCOME),
    ChargeKind.PENALTY: (Role.PENALTIES_RECEIVABLE, Role.PENALTY_INCOME),
}


def nets_of(entries: list) -> dict[str, D]:
    """Debits less credits per account over `entries` (accounts that net to zero left out)."""
    nets: dict[str, D] = defaultdict(lambda: ZERO)
    for entry in entries:
        for line in entry.lines:
            nets[line.account_id] += line.debit - line.credit
    return {k: v for k, v in nets.items() if v}


def expected_nets(txn, charges) -> dict[str, D]:
    """Debits less credits per account that a transaction's record says its entries in force hold;
    also checks that its amount is its split's total (and any overpayment)."""
    p = txn.portions
    nets: dict[str, D] = defaultdict(lambda: ZERO)

    def pays_components() -> None:
        nets[account(Role.INTEREST_RECEIVABLE)] -= p.interest
        nets[account(Role.FEES_RECEIVABLE)] -= p.fees
        nets[account(Role.PENALTIES_RECEIVABLE)] -= p.penalties
        nets[account(Role.CUSTOMER_OVERPAYMENTS)] -= txn.overpayment

    if txn.type in PAYMENTS:
        assert txn.amount == p.total + txn.overpayment
        nets[account(Role(txn.rail))] += txn.amount
        nets[account(Role.RECOVERY_INCOME if txn.recovery else Role.LOANS_RECEIVABLE)] -= p.principal
        pays_components()
    elif txn.type is T.DISBURSEMENT:  # lends its amount; the interest deducted from it pays its split
        assert p.total + txn.overpayment == (txn.split.interest if txn.split else ZERO)
        nets[account(Role.LOANS_RECEIVABLE)] += txn.amount - p.principal
        pays_components()
    elif txn.type is T.REFUND:
        assert txn.amount == txn.overpayment and p.total == 0
        nets[account(Role.CUSTOMER_OVERPAYMENTS)] += txn.amount
        nets[account(Role(txn.rail))] -= txn.amount
    elif txn.type in (T.CHARGE, T.WAIVER):
        charge = next(c for c in charges if c.transaction_id == txn.id or c.id == txn.charge_id)
        assert txn.amount == getattr(p, charge.kind.component) == p.total
        receivable, income = CHARGE_ROLES[charge.kind]
        sign = 1 if txn.type is T.CHARGE else -1
        nets[account(receivable)] += sign * txn.amount
        nets[account(income)] -= sign * txn.amount
    elif txn.type is T.CHARGE_OFF:
        assert txn.amount == p.principal == p.total
        nets[account(Role.CHARGE_OFF_EXPENSE)] += txn.amount
        nets[account(Role.LOANS_RECEIVABLE)] -= txn.amount
    else:
        raise AssertionError(f"no rule for {txn.type}")
    return {k: v for k, v in nets.items() if v}


MoneyRules.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    print_blob=True,
    # LMS_MONEY_SHRINK=0 reports the first failure as found (shrinking long sequences takes minutes).
    phases=[p for p in Phase if p is not Phase.shrink or os.environ.get("LMS_MONEY_SHRINK", "1") != "0"],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestMoneyRules = MoneyRules.TestCase
