"""Money into and out of an active loan: repayments and their reversal, refunds, early settlement,
charges and their waiver, the charge-off. Each is one `LoanChange` run by the unit of work."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar

from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.operations import charging, payments
from lms.loans.domain.operations.payments import PaymentOrder
from lms.loans.domain.records.charges import ChargeKind, LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.service.books import books_for
from lms.loans.service.unit_of_work import Answering, History, LoanChange, LoanReads, LoanUnitOfWork
from lms.observability import traced

T = TypeVar("T")
# A payment or a charge usually comes after everything the loan holds: it starts from the head.
FROM_HEAD = LoanReads(history=History.HEAD)


@traced
class LoanPayments:
    def __init__(self, work: LoanUnitOfWork | None = None):
        self.work = work or LoanUnitOfWork()

    def _run(self, loan_id: int, change: LoanChange[T], actor: Actor, answering: Answering | None) -> tuple[Loan, T]:
        return self.work.run(loan_id, change, actor, answering=answering)

    def repay(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        change = LoanChange(
            name="repay",
            apply=lambda loan, found: payments.repay(loan, order, books_for(loan, actor), actor),
            reads=FROM_HEAD,
        )
        return self._run(loan_id, change, actor, answering)

    def reverse(
        self, loan_id: int, txn_id: int, reason: str, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        change = LoanChange(
            name="reverse",
            apply=lambda loan, found: payments.reverse_transaction(loan, txn_id, reason, books_for(loan, actor), actor),
            # The cash a reversed repayment booked was never there: taking it back cannot wait for funds.
            overdraw=True,
        )
        return self._run(loan_id, change, actor, answering)

    def refund(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        change = LoanChange(
            name="refund",
            apply=lambda loan, found: payments.refund(loan, order, books_for(loan, actor), actor),
            reads=FROM_HEAD,
        )
        return self._run(loan_id, change, actor, answering)

    def settle(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        products = self.work.products

        def settle(loan: Loan, found) -> tuple[Loan, LoanTransaction]:
            product = products.get(loan.product_id)
            settled, txn, _ = payments.settle_early(loan, product, order, books_for(loan, actor), actor)
            return settled, txn

        change = LoanChange(
            name="settle", apply=settle, reads=LoanReads(items=lambda loan: products.refs_to_read([loan.product_id]))
        )
        return self._run(loan_id, change, actor, answering)

    def assess_charge(
        self,
        loan_id: int,
        name: str,
        kind: ChargeKind,
        amount: Decimal,
        due: date,
        note: str | None,
        actor: Actor,
        answering: Answering | None = None,
    ) -> tuple[Loan, LoanCharge]:
        change = LoanChange(
            name="assess_charge",
            apply=lambda loan, found: charging.assess_charge(
                loan, name, kind, amount, due, note, books_for(loan, actor), actor
            ),
            reads=FROM_HEAD,
        )
        return self._run(loan_id, change, actor, answering)

    def waive_charge(
        self, loan_id: int, charge_id: int, note: str | None, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanCharge]:
        change = LoanChange(
            name="waive_charge",
            apply=lambda loan, found: charging.waive_charge(loan, charge_id, note, books_for(loan, actor), actor),
            reads=FROM_HEAD,
        )
        return self._run(loan_id, change, actor, answering)

    def charge_off(
        self, loan_id: int, on: date, note: str | None, actor: Actor, answering: Answering | None = None
    ) -> Loan:
        change = LoanChange(
            name="charge_off",
            apply=lambda loan, found: (charging.charge_off(loan, on, note, books_for(loan, actor), actor), None),
            amount_of=lambda _loan, _result: None,
        )
        return self._run(loan_id, change, actor, answering)[0]
