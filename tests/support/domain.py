"""A loan driven through the pure domain as the service drives it, with its books and its pushed events.

No storage: each operation is the domain function the service calls, given the loan and a fresh
`Books`, and the result replaces the loan (a refused operation raises and leaves it as it was).
Every event the loan emits is delivered, in order, to an in-memory copy of the local accounting
system, so tests see what the lender's accounting system would hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from devstack.accounting.ledger import Books as AccountingBooks
from lms.bootstrap import demo_product_fields
from lms.ledger.domain.accounts import Role, account_for
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import HISTORY_LISTS, Actor, HistoryNeeded, Loan
from lms.loans.domain.aggregate.payment_types import payment_type
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.terms import RequestedTerms, resolve_terms
from lms.loans.domain.disbursing import payout
from lms.loans.domain.disbursing.disbursement import DisbursementOrder, disburse, plan_disbursement, undo_disbursal
from lms.loans.domain.operations import arrears, charging, late_penalties, payments, revenue
from lms.loans.domain.operations.balances import loan_summary
from lms.loans.domain.operations.payments import PaymentOrder
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import Portions
from lms.loans.storage.stored_loan import StoredLoan
from lms.products.domain import LoanProduct, check_product

BASE = "TZS"
AT = "2026-11-01T10:00:00.000Z"
CASH = payment_type(1)


def product(**overrides: Any) -> LoanProduct:
    """The seed's 7-day product (10,000 at 11% flat a week), without the admin fee unless given."""
    fields = {**demo_product_fields(BASE), "admin_fee": None, "id": 1, "created_at": "2026-01-01T00:00:00.000Z"}
    fields.update(overrides)
    return check_product(LoanProduct.model_validate(fields))


def account(role: Role) -> str:
    return account_for(role, BASE, BASE)


class DomainLoan:
    def __init__(
        self,
        loan_product: LoanProduct,
        principal: Decimal | int = 10000,
        on: date = date(2026, 5, 23),
        today: date | None = None,
        loan_id: int = 11,
        **terms: Any,
    ):
        self.product = loan_product
        self.today = today or date(2026, 11, 1)
        self.accounting = AccountingBooks()
        self.delivered = 0
        self.counts_before = dict.fromkeys(HISTORY_LISTS, 0)
        self.resumed: Counter = Counter()  # how operations ran without the loan's older history
        resolved = resolve_terms(loan_product, RequestedTerms(**terms))
        loan = StoredLoan(
            id=loan_id,
            customer_id=3,
            customer_name="Ada Lovelace",
            product_id=loan_product.id,
            office_id=1,
            currency=loan_product.currency,
            status=LoanStatus.APPROVED,
            requested_principal=Decimal(principal),
            principal=Decimal(principal),
            approved_principal=Decimal(principal),
            terms=resolved,
            submitted_on_date=on,
            expected_disbursement_date=on,
            approved_on_date=on,
            non_accrual_days=loan_product.non_accrual_days,
            late_penalty=loan_product.late_penalty,
            delinquency_buckets=loan_product.delinquency_buckets,
            reminder_days_before=loan_product.reminder_days_before,
        )
        order = DisbursementOrder(on=on, amount=Decimal(principal))
        plan = plan_disbursement(loan, loan_product, order, self.today)
        self._deliver(disburse(loan, plan, order, Books(loan, BASE, AT, "ak_test"), self.actor()))

    # -- plumbing ------------------------------------------------------------------------------
    def actor(self, today: date | None = None) -> Actor:
        return Actor(by="ak_test", at=AT, today=today or self.today)

    def books_for(self, loan: Loan, today: date | None = None) -> Books:
        """Fresh books for an operation recorded on `today` (by default the loan's today)."""
        return Books(loan, BASE, AT, "ak_test", today or self.today)

    def _run(self, operation, today: date | None = None):
        whole = self.loan
        try:
            result = operation(self.books_for(whole, today), self.actor(today))
        except Exception as refused:
            self._check_without_history(operation, today, whole, refused)
            raise
        self._check_without_history(operation, today, whole, result)
        changed = result[0] if isinstance(result, tuple) else result
        if changed is not whole and changed.arrears == whole.arrears:
            # As the unit of work does: every commit records the loan's arrears marks as of its date.
            changed = arrears.refresh_arrears(changed, today or self.today)
        self._deliver(changed)
        return result

    def _check_without_history(self, operation, today: date | None, whole: Loan, expected) -> None:
        """Run the operation again as the service first does, on the loan read without its older
        history (all of it; all but the last operation's records), and require the same outcome:
        the same loan and answer, the same refusal, or `HistoryNeeded` (the service then reads the
        whole loan)."""
        for keep_from in ({n: whole.count(n) for n in HISTORY_LISTS}, self.counts_before):
            head = without_history(whole, keep_from)
            self.loan = head
            try:
                try:
                    result = operation(self.books_for(head, today), self.actor(today))
                except HistoryNeeded:
                    self.resumed["history needed"] += 1
                    continue
                except Exception as refused:
                    assert isinstance(expected, Exception), f"refused only without history: {refused!r}"
                    assert (type(refused), str(refused)) == (type(expected), str(expected))
                    continue
            finally:
                self.loan = whole
            assert not isinstance(expected, Exception), f"refused only with the whole history: {expected!r}"
            self.resumed["resumed"] += 1
            assert_same_outcome(whole, keep_from, expected, result)
        self.counts_before = {n: whole.count(n) for n in HISTORY_LISTS}

    def _deliver(self, loan: Loan) -> Loan:
        self.loan = loan
        for event in loan.outbox[self.delivered :]:
            outcome = self.accounting.receive(event.type, dict(event.payload), event_id=event.id)
            assert outcome.accepted, (event.type, event.payload, outcome.errors)
        self.delivered = len(loan.outbox)
        return loan

    # -- operations ----------------------------------------------------------------------------
    def repay(self, amount, on: date, *, split: Portions | None = None, today: date | None = None):
        order = PaymentOrder(on, Decimal(amount), CASH, f"R-{len(self.loan.transactions) + 1}", split)
        _, txn = self._run(lambda books, actor: payments.repay(self.loan, order, books, actor), today)
        return txn

    def reverse(self, txn_id: int, today: date | None = None):
        _, txn = self._run(lambda b, a: payments.reverse_transaction(self.loan, txn_id, "test", b, a), today)
        return txn

    def quote(self, on: date) -> payments.PayoffQuote:
        return payments.quote_payoff(self.loan, self.product, on)

    def settle(self, on: date, amount=None, today: date | None = None):
        total = amount if amount is not None else self.quote(on).total
        order = PaymentOrder(on, Decimal(total), CASH, "SET-1")
        _, txn, _ = self._run(lambda b, a: payments.settle_early(self.loan, self.product, order, b, a), today)
        return txn

    def refund(self, amount, on: date, today: date | None = None):
        order = PaymentOrder(on, None if amount is None else Decimal(amount), CASH, "REF-1")
        _, txn = self._run(lambda b, a: payments.refund(self.loan, order, b, a), today)
        return txn

    def charge(
        self, amount, due: date, kind: ChargeKind = ChargeKind.FEE, name: str = "Fee", today: date | None = None
    ):
        _, charge = self._run(
            lambda b, a: charging.assess_charge(self.loan, name, kind, Decimal(amount), due, None, b, a), today
        )
        return charge

    def waive(self, charge_id: int, today: date | None = None):
        _, charge = self._run(lambda b, a: charging.waive_charge(self.loan, charge_id, None, b, a), today)
        return charge

    def penalize(self, as_of: date, today: date | None = None):
        """Charge (and take back) the late penalties due as of `as_of`, under the loan's own rule."""
        return self._run(
            lambda b, a: late_penalties.apply_late_penalties(self.loan, self.loan.late_penalty, as_of, b, a), today
        )[1]

    def close_business(self, on: date):
        """The close of business for `on` (its actor's today is the date it closes)."""
        return self._run(lambda b, a: arrears.close_of_business(self.loan, on, b, a), on)[1]

    def charge_off(self, on: date, today: date | None = None) -> Loan:
        return self._run(lambda b, a: charging.charge_off(self.loan, on, None, b, a), today)

    def undo(self, today: date | None = None) -> Loan:
        return self._run(lambda b, a: undo_disbursal(self.loan, b, a, None), today)

    def payout_answered(self, status: str, reason: str = "ACCOUNT_CLOSED", today: date | None = None) -> Loan:
        """The payout provider's answer to the attempt the loan waits for."""
        record = self.loan.disbursement
        txn, attempt = record.transaction_id, record.payout.attempt
        if status == "COMPLETED":
            return self._run(lambda b, a: payout.complete_payout(self.loan, txn, attempt, "SBX-1", b, a), today)
        return self._run(lambda b, a: payout.fail_payout(self.loan, txn, attempt, reason, a), today)

    def retry_payout(self, today: date | None = None) -> Loan:
        txn = self.loan.disbursement.transaction_id
        return self._run(lambda b, a: payout.retry_payout(self.loan, txn, a), today)

    def run(self, month: date, today: date | None = None):
        _, outcome, amount = self._run(lambda b, a: revenue.accrue_month(self.loan, month, b), today)
        return outcome, amount

    def close_of_business(self, on: date) -> Decimal:
        """The close of business's non-accrual step for business date `on` (recorded that day)."""
        _, change = self._run(lambda b, a: revenue.judge_non_accrual(self.loan, b, on), on)
        return change

    # -- views -----------------------------------------------------------------------------------
    def nets(self) -> dict[str, Decimal]:
        """Debits less credits per account over the loan's journal."""
        nets: dict[str, Decimal] = defaultdict(Decimal)
        for entry in self.loan.journal:
            for line in entry.lines:
                nets[line.account_id] += line.debit - line.credit
        return nets

    def net(self, role: Role) -> Decimal:
        return self.nets()[account(role)]

    def summary(self) -> dict[str, Decimal]:
        return loan_summary(self.loan)

    def position(self):
        return position_of(self.loan)

    def books(self) -> dict[str, Any]:
        """The accounting system's view of the loan (invoices, open interest, payments)."""
        return self.accounting.loan(str(self.loan.id))


def without_history(loan: Loan, keep_from: dict[str, int]) -> Loan:
    """`loan` as storage reads it without its older history: only the records from `keep_from` on."""
    head = loan.model_copy(update={n: getattr(loan, n)[keep_from[n] :] for n in HISTORY_LISTS})
    return StoredLoan.of(head).with_earlier_history(keep_from)


def assert_same_outcome(whole: Loan, keep_from: dict[str, int], expected, result) -> None:
    """What ran without the older history, joined back to it, is what ran with it."""
    expected_loan, result_loan = (r[0] if isinstance(r, tuple) else r for r in (expected, result))
    joined = result_loan.model_copy(
        update={n: getattr(whole, n)[: keep_from[n]] + getattr(result_loan, n) for n in HISTORY_LISTS}
    )
    assert joined.model_dump() == expected_loan.model_dump()
    if isinstance(expected, tuple):
        assert expected[1:] == result[1:]
