"""What callers read about loans: a loan, a page of loans, its transactions and charges, a payoff
quote, a disbursement's status, the payment types. Nothing here writes."""

from __future__ import annotations

from datetime import date

from lms import clock
from lms.errors import NotFound
from lms.loans.domain.accounting.rebook import position_of, resumed, with_charge_states
from lms.loans.domain.aggregate.loan import HistoryNeeded, Loan
from lms.loans.domain.aggregate.payment_types import PAYMENT_TYPES, PaymentType
from lms.loans.domain.disbursing.disbursement import (
    DisbursementStatus,
    disbursement_reference,
    disbursement_status,
    parse_disbursement_reference,
)
from lms.loans.domain.operations import payments
from lms.loans.domain.operations.delinquency import delinquency_changes
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.storage.store import LoanStore
from lms.observability import traced
from lms.products.store import ProductStore
from lms.storage.pagination import Page, page_of


def disbursement_of(reference: str) -> tuple[int, int]:
    """The loan and transaction ids of a disbursement's reference (404 if it names none)."""
    found = parse_disbursement_reference(reference)
    if found is None:
        raise NotFound(f"Disbursement {reference} does not exist", reason="DISBURSEMENT_NOT_FOUND")
    return found


@traced
class LoanQueries:
    def __init__(self, loans: LoanStore | None = None, products: ProductStore | None = None):
        self.loans = loans or LoanStore()
        self.products = products or ProductStore()

    def get(self, loan_id: int) -> Loan:
        return self.loans.get(loan_id)

    def list(self, page: int, rows: int, customer_id: int | None, status: str | None) -> Page[Loan]:
        return self.loans.list(page, rows, customer_id, status)

    def transactions(self, loan_id: int, page: int, rows: int) -> tuple[Loan, Page[LoanTransaction]]:
        """The loan and one page of its transactions, reversed ones included, in date order."""
        loan = self.get(loan_id)
        ordered = sorted(loan.transactions, key=lambda t: (t.date, t.id))
        return loan, page_of(ordered, page, rows)

    def charges(self, loan_id: int, page: int, rows: int) -> tuple[Loan, Page[LoanCharge]]:
        """The loan and one page of its charges, leaving out those whose transaction was reversed."""
        loan = self.get(loan_id)
        if loan.charges:  # states as the replay has them, also of a loan last written before they were kept
            loan = with_charge_states(loan, resumed(loan, []) or position_of(loan))  # the snapshot, if current
        live = [c for c in loan.charges if (t := loan.transaction(c.transaction_id)) and t.active]
        return loan, page_of(live, page, rows)

    def delinquency_changes(
        self, loan_id: int, page: int, rows: int, until: date | None = None
    ) -> Page[tuple[date, str | None]]:
        """One page of the loan's changes of bucket from its disbursement to `until` (the business
        date by default), oldest first: replayed from its whole history (one read, as `get`)."""
        changes = delinquency_changes(self.get(loan_id), until or clock.business_date())
        return page_of(changes, page, rows)

    def payoff(self, loan_id: int, on: date) -> payments.PayoffQuote:
        loan = self.loans.get(loan_id)
        return payments.quote_payoff(loan, self.products.get(loan.product_id), on)

    def payment_types(self, page: int, rows: int) -> Page[PaymentType]:
        return page_of(list(PAYMENT_TYPES), page, rows)

    def disbursement_status(self, reference: str) -> DisbursementStatus:
        """A disbursement by its transaction id: one read of the loan's head (its whole history only
        for a disbursement that was undone and sealed into a history page)."""
        loan_id, txn_id = disbursement_of(reference)
        try:
            status = disbursement_status(self.loans.get_head(loan_id), txn_id)
        except HistoryNeeded:
            status = disbursement_status(self.loans.get(loan_id), txn_id)
        except NotFound:
            status = None
        if status is None:
            raise NotFound(
                f"Disbursement {disbursement_reference(loan_id, txn_id)} does not exist",
                reason="DISBURSEMENT_NOT_FOUND",
            )
        return status
