"""The money properties with non-accrual: random operations, payment sequences and run dates.

`MoneyRules` (tests/unit/test_money_properties.py) with a product that sets `nonAccrualDays`, and a
clock that moves: `advance` moves the business date forward and runs the close of business's
non-accrual step on it, every operation is dated on or before that date and recorded on it, and a
month is run only once it has ended. After every step, besides every invariant of `MoneyRules`
(balanced entries, the ledger equal to the position replayed from scratch, the accounting system
holding what the ledger says, a closed loan's income equal to the interest paid, ...):

- interest income is exactly what the loan should recognise on the business date: the interest
  paid while it is charged off or at least `nonAccrualDays` past due (judged with the delinquency
  rule itself, from the history replayed to that date), else the interest earned through the last
  month run or the interest paid, whichever is more;
- so it never exceeds the interest earned (through the last month that ended, or paid).
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from lms.ledger.domain.accounts import Role
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.accrual import (
    earned_through,
    interest_periods,
    month_of,
    monthly_interest,
)
from lms.loans.domain.calculation.delinquency import LoanHistory, delinquency
from lms.loans.domain.disbursing.disbursement import DisbursementOrder, disburse, plan_disbursement
from lms.money import ZERO
from tests.support.domain import DomainLoan
from tests.unit.test_money_properties import LIVE, OPENED, TODAY, MoneyRules, product, products


class NonAccrualRules(MoneyRules):
    @initialize(
        config=products,
        start=st.integers(min_value=0, max_value=60),
        threshold=st.sampled_from([1, 3, 8, 30, 90]),
        elapsed=st.integers(min_value=0, max_value=150),
    )
    def open(self, config, start, threshold, elapsed):
        principal = config.pop("principal")
        every = config["repayment_every"] if config["repayment_frequency_type"] != 2 else 1
        config = {**config, "repayment_every": every, "max_number_of_repayments": 4, "principal": principal}
        self.product = product(**config, min_principal=principal, max_principal=principal, non_accrual_days=threshold)
        disbursed = OPENED + timedelta(days=start)
        self.loan = DomainLoan(self.product, principal, on=disbursed, today=disbursed, number_of_repayments=None)
        self.threshold = threshold
        self.last = None
        self.advance(elapsed)

    def on(self, offset: int):
        return min(super().on(offset), self.loan.today)

    @rule(days=st.integers(min_value=0, max_value=60))
    def advance(self, days):
        """The next business date, and its close of business."""
        self.loan.today = min(self.loan.today + timedelta(days=days), TODAY)
        self.last = None  # a reversal is judged on the new date: it restores less than the payment
        if self.loan.loan.status in LIVE:
            self.attempt(lambda: self.loan.close_of_business(self.loan.today))

    @precondition(lambda self: self.loan.loan.status is LoanStatus.ACTIVE)
    @rule(back=st.integers(min_value=0, max_value=40))
    def pay_the_arrears(self, back):
        """A payment of what is overdue, dated up to `back` days before the business date: it cures
        the loan (or, back-dated, may keep it from ever reaching the threshold)."""
        on = max(self.on(0), self.loan.today - timedelta(days=back))
        arrears = delinquency(position_of(self.loan.loan), self.loan.today).arrears.total
        if arrears > 0:
            before = self.balances()
            txn = self.attempt(lambda: self.loan.repay(arrears, on))
            if txn is not None:
                self.last = (txn.id, before, self.penalties())

    def runs_before(self):
        """The business date moves here: a month is run once it has ended by the loan's today."""
        return self.loan.today

    @precondition(lambda self: self.loan.loan.status is LoanStatus.APPROVED)
    @rule(offset=st.integers(min_value=0, max_value=30))
    def disburse_again(self, offset):
        loan = self.loan.loan
        order = DisbursementOrder(on=self.on(offset), amount=loan.principal)

        def again():
            plan = plan_disbursement(loan, self.product, order, self.loan.today)
            return disburse(loan, plan, order, self.loan.books_for(loan), self.loan.actor())

        disbursed = self.attempt(again)
        if disbursed is not None:
            self.loan._deliver(disbursed)

    @invariant()
    def income_is_what_the_loan_should_recognise_on_the_business_date(self):
        loan = self.loan.loan
        if loan.status is LoanStatus.APPROVED:
            return
        today = self.loan.today
        position = position_of(loan)
        paid = position.paid.interest
        monthly = monthly_interest(interest_periods(loan.schedule, loan.currency, position.interest_ends_on), "TZS")
        history = LoanHistory(
            loan.schedule, loan.transactions, loan.charges, loan.terms.transaction_processing_strategy_code, "TZS"
        )
        past_due = delinquency(history.position_on(today), today).days_past_due
        earned = earned_through(monthly, loan.accrued_through, "TZS")
        income = -self.loan.net(Role.INTEREST_INCOME)
        if loan.charged_off or past_due >= self.threshold:
            assert income == paid, (today, past_due, income, paid)
        else:
            assert income == max(paid, earned), (today, past_due, income, paid, earned)
        ended = month_of(today) - timedelta(days=1)
        assert income <= max(paid, earned_through(monthly, month_of(ended), "TZS"))
        assert income <= sum(monthly.values(), ZERO)


NonAccrualRules.TestCase.settings = MoneyRules.TestCase.settings
TestNonAccrualRules = NonAccrualRules.TestCase
