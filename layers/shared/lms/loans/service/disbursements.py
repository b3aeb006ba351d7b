"""Paying a loan out: a disbursement (planned, made, undone) and its payout through the provider
(completed, failed, retried). Money leaves a rail account only if it is there."""

from __future__ import annotations

from decimal import Decimal

from lms.config import get_settings
from lms.errors import NotFound
from lms.ledger.domain.accounts import account_for
from lms.ledger.domain.funds import insufficient
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.disbursing import payout
from lms.loans.domain.disbursing.disbursement import (
    DisbursementOrder,
    DisbursementPlan,
    disburse,
    plan_disbursement,
    rail_of,
    undo_disbursal,
)
from lms.loans.domain.disbursing.signals import PayoutRequest
from lms.loans.service.books import books_for
from lms.loans.service.disbursement_status import disbursement_of
from lms.loans.service.unit_of_work import Answering, Found, History, LoanChange, LoanReads, LoanUnitOfWork
from lms.observability import traced
from lms.payouts.providers import ensure_provider
from lms.products.domain import LoanProduct
from lms.storage.dynamo import ItemRef

FROM_HEAD = LoanReads(history=History.HEAD)


def _net_amount(loan: Loan, _result: object) -> Decimal | None:
    return loan.disbursement.net_amount if loan.disbursement else None


@traced
class LoanDisbursements:
    def __init__(self, work: LoanUnitOfWork | None = None):
        self.work = work or LoanUnitOfWork()

    def product_of(self, loan: Loan) -> LoanProduct:
        """The loan's product (kept by the environment once read: products never change)."""
        return self.work.products.get(loan.product_id)

    def _funds_account(self, loan: Loan, order: DisbursementOrder) -> str:
        return account_for(rail_of(order), loan.currency, get_settings().base_currency)

    def _reads(self, loan: Loan, order: DisbursementOrder) -> list[ItemRef]:
        """The loan's product (unless known) and the shards of the rail account it is paid from."""
        return [
            *self.work.products.refs_to_read([loan.product_id]),
            *self.work.funds.refs(self._funds_account(loan, order)),
        ]

    def _ensure_funds(self, loan: Loan, order: DisbursementOrder, amount: Decimal, found: Found) -> None:
        """The rail's account must have `amount` available (its balance less payouts promised and
        not yet made; read with the loan when the unit of work did). The commit takes it out
        conditionally all the same: this refuses early and plainly."""
        account = self._funds_account(loan, order)
        available = self.work.funds.available(account, found.items)
        if available < amount:
            raise insufficient(account, available, amount)

    def plan_disbursement(self, loan_id: int, order: DisbursementOrder, actor: Actor) -> tuple[Loan, DisbursementPlan]:
        ensure_provider(order.method)
        loan = self.work.loans.get(loan_id)
        plan = plan_disbursement(loan, self.product_of(loan), order, actor.today)
        self._ensure_funds(loan, order, plan.net_amount, Found())
        return loan, plan

    def disburse(
        self, loan_id: int, order: DisbursementOrder, actor: Actor, answering: Answering | None = None
    ) -> Loan:
        ensure_provider(order.method)  # before anything is read or written: no pretending to pay

        def transition(current: Loan, found: Found) -> tuple[Loan, None]:
            plan = plan_disbursement(current, self.product_of(current), order, actor.today)
            self._ensure_funds(current, order, plan.net_amount, found)
            return disburse(current, plan, order, books_for(current, actor), actor), None

        change = LoanChange(
            name="disburse",
            apply=transition,
            reads=LoanReads(items=lambda loan: self._reads(loan, order)),
            amount_of=lambda loan, _: loan.principal,
        )
        return self.work.run(loan_id, change, actor, answering=answering)[0]

    def undo_disbursal(self, loan_id: int, note: str | None, actor: Actor, answering: Answering | None = None) -> Loan:
        change = LoanChange(
            name="undo_disbursal",
            apply=lambda loan, found: (undo_disbursal(loan, books_for(loan, actor), actor, note), None),
            amount_of=lambda _loan, _result: None,
        )
        return self.work.run(loan_id, change, actor, answering=answering)[0]

    def complete_payout(
        self, request: PayoutRequest, provider_reference: str | None, actor: Actor, read: Loan | None = None
    ) -> Loan:
        """The provider paid the attempt out: Disbursements payable to the rail, in one commit
        (`read`: the loan's head as the worker read it; a lost race reads it again)."""
        change = LoanChange(
            name="payout_completed",
            apply=lambda loan, found: (
                payout.complete_payout(
                    loan, request.transaction_id, request.attempt, provider_reference, books_for(loan, actor), actor
                ),
                None,
            ),
            reads=FROM_HEAD,
            amount_of=_net_amount,
        )
        return self.work.run(request.loan_id, change, actor, read=read)[0]

    def fail_payout(self, request: PayoutRequest, reason: str, actor: Actor, read: Loan | None = None) -> Loan:
        change = LoanChange(
            name="payout_failed",
            apply=lambda loan, found: (
                payout.fail_payout(loan, request.transaction_id, request.attempt, reason, actor),
                None,
            ),
            reads=FROM_HEAD,
            amount_of=_net_amount,
        )
        return self.work.run(request.loan_id, change, actor, read=read)[0]

    def retry_payout(self, reference: str, actor: Actor, answering: Answering | None = None) -> tuple[Loan, int]:
        """An operator's retry of a FAILED payout (a new attempt, PENDING): the loan and the
        disbursement's transaction id."""
        loan_id, txn_id = disbursement_of(reference)

        def retry(current: Loan, found: Found) -> tuple[Loan, int]:
            ensure_provider(current.disbursement.method)
            current.transaction(txn_id)  # the answer shows the transaction: read it if it was sealed
            return payout.retry_payout(current, txn_id, actor), txn_id

        change = LoanChange(name="payout_retried", apply=retry, reads=FROM_HEAD)
        try:
            return self.work.run(loan_id, change, actor, answering=answering)
        except NotFound:
            raise NotFound(f"Disbursement {reference} does not exist", reason="DISBURSEMENT_NOT_FOUND") from None
