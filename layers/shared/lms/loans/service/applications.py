"""A loan before its money moves: submitted, approved (or the approval undone), rejected, withdrawn."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.customers.store import CustomerStore
from lms.loans.domain.aggregate import loan as transitions
from lms.loans.domain.aggregate.application import LoanApplication, submit_loan
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.service.unit_of_work import LoanChange, LoanReads, LoanUnitOfWork
from lms.observability import traced


@traced
class LoanApplications:
    def __init__(self, work: LoanUnitOfWork | None = None, customers: CustomerStore | None = None):
        self.work = work or LoanUnitOfWork()
        self.customers = customers or CustomerStore()

    def submit(self, application: LoanApplication, actor: Actor) -> Loan:
        products = self.work.products
        # The customer and (unless this environment knows it) the product in one batch.
        found = self.work.read_batch(
            [self.customers.ref(application.customer_id), *products.refs_to_read([application.product_id])]
        )
        customer = self.customers.found(application.customer_id, found[0])
        product = products.get(application.product_id)
        # Validate fully before taking an id, so refused applications leave no gaps.
        submit_loan(0, application, customer, product, actor)
        loan = submit_loan(self.work.loans.next_id(), application, customer, product, actor)
        return self.work.loans.add(loan)

    def _change(self, loan_id: int, name: str, transition, actor: Actor, reads: LoanReads = LoanReads()) -> Loan:
        change = LoanChange(name=name, apply=lambda loan, found: (transition(loan), None), reads=reads)
        return self.work.run(loan_id, change, actor)[0]

    def approve(self, loan_id: int, on: date, amount: Decimal | None, note: str | None, actor: Actor) -> Loan:
        products = self.work.products
        return self._change(
            loan_id,
            "approve",
            lambda loan: transitions.approve(
                loan, on, amount, note, actor, products.get(loan.product_id).min_principal
            ),
            actor,
            LoanReads(items=lambda loan: products.refs_to_read([loan.product_id])),
        )

    def undo_approval(self, loan_id: int, note: str | None, actor: Actor) -> Loan:
        return self._change(loan_id, "undo_approval", lambda loan: transitions.undo_approval(loan, note, actor), actor)

    def reject(self, loan_id: int, on: date, note: str | None, actor: Actor) -> Loan:
        return self._change(loan_id, "reject", lambda loan: transitions.reject(loan, on, note, actor), actor)

    def withdraw(self, loan_id: int, on: date, note: str | None, actor: Actor) -> Loan:
        return self._change(loan_id, "withdraw", lambda loan: transitions.withdraw(loan, on, note, actor), actor)
