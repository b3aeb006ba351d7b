"""What callers read about loans: a loan, a page of loans, its transactions and charges, a payoff
quote, the payment types (a disbursement's status: lms.loans.service.disbursement_status).
Nothing here writes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from lms import clock
from lms.errors import FieldError, InvalidArgument
from lms.loans.domain.accounting.rebook import position_of, resumed, with_charge_states
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.aggregate.payment_types import PAYMENT_TYPES, PaymentType
from lms.loans.domain.calculation.delinquency import DEFAULT_BUCKETS
from lms.loans.domain.operations import payments
from lms.loans.domain.operations.delinquency import delinquency_changes
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.storage.arrears import ArrearsFilter
from lms.loans.storage.store import LoanStore
from lms.observability import traced
from lms.products.store import ProductStore
from lms.storage.pagination import Page, PageAt, page_of

if TYPE_CHECKING:
    from lms.loans.domain.operations.statement import LoanStatement

ALL_PRODUCTS = 100_000  # products are few: one page holds them all


def check_list_filters(
    *,
    in_arrears: str | None,
    bucket: str | None,
    office_id: int | None,
    product_id: int | None,
    cursor: str | None,
    page: int,
    customer_id: int | None,
    status: str | None,
) -> bool:
    """Whether the list is the delinquent-loans list; every filter that does not fit, named."""
    problems: list[FieldError] = []
    arrears = False
    if in_arrears is not None:
        if in_arrears not in ("true", "false"):
            problems.append(FieldError("inArrears", "must be true or false"))
        elif in_arrears == "false":
            problems.append(
                FieldError("inArrears", "only true is supported: loans not in arrears are listed by status")
            )
        else:
            arrears = True
    if not arrears and in_arrears in (None, "true"):
        for name, value in (("bucket", bucket), ("officeId", office_id), ("productId", product_id), ("cursor", cursor)):
            if value is not None:
                problems.append(FieldError(name, "is only used with inArrears=true"))
    if arrears:
        if customer_id is not None:
            problems.append(FieldError("customerId", "cannot be combined with inArrears=true"))
        if status is not None:
            problems.append(
                FieldError("status", "cannot be combined with inArrears=true (a loan in arrears is Active)")
            )
        if page != 1:
            problems.append(FieldError("page", "is not used with inArrears=true: follow nextCursor"))
        if bucket is not None and not bucket.strip():
            problems.append(FieldError("bucket", "must not be blank"))
    if problems:
        raise InvalidArgument.fields(problems)
    return arrears


@traced
class LoanQueries:
    def __init__(self, loans: LoanStore | None = None, products: ProductStore | None = None):
        self.loans = loans or LoanStore()
        self.products = products or ProductStore()

    def get(self, loan_id: int) -> Loan:
        return self.loans.get(loan_id)

    def list(self, page: PageAt, rows: int, customer_id: int | None, status: str | None) -> Page[Loan]:
        return self.loans.list(page, rows, customer_id, status)

    def known_buckets(self) -> tuple[str, ...]:
        """Every delinquency bucket a loan can be in: the default ones, then those products name
        (in the order products list them, each once)."""
        names = list(DEFAULT_BUCKETS)
        for product in self.products.list(1, ALL_PRODUCTS).items:
            for bucket in product.delinquency_buckets:
                if bucket not in names:
                    names.append(bucket)
        return tuple(names)

    def in_arrears(
        self, bucket: str | None, office_id: int | None, product_id: int | None, rows: int, cursor: str | None
    ) -> tuple[list[Loan], str | None]:
        """Delinquent loans, oldest arrears first: of one bucket, or of every bucket merged."""
        if bucket is not None and bucket in DEFAULT_BUCKETS:
            buckets: tuple[str, ...] = (bucket,)  # known without reading the products
        else:
            known = self.known_buckets()
            if bucket is not None and bucket not in known:
                raise InvalidArgument.field(
                    "bucket", f"is not a delinquency bucket of any product (one of {', '.join(known)})"
                )
            buckets = (bucket,) if bucket is not None else known
        return self.loans.in_arrears(ArrearsFilter(buckets, office_id, product_id), rows, cursor)

    def transactions(self, loan_id: int, page: PageAt, rows: int) -> tuple[Loan, Page[LoanTransaction]]:
        """The loan and one page of its transactions, reversed ones included, in date order."""
        loan = self.get(loan_id)
        ordered = sorted(loan.transactions, key=lambda t: (t.date, t.id))
        return loan, page_of(ordered, page, rows)

    def charges(self, loan_id: int, page: PageAt, rows: int) -> tuple[Loan, Page[LoanCharge]]:
        """The loan and one page of its charges, leaving out those whose transaction was reversed."""
        loan = self.get(loan_id)
        if loan.charges:  # states as the replay has them, also of a loan last written before they were kept
            loan = with_charge_states(loan, resumed(loan, []) or position_of(loan))  # the snapshot, if current
        live = [c for c in loan.charges if (t := loan.transaction(c.transaction_id)) and t.active]
        return loan, page_of(live, page, rows)

    def delinquency_changes(
        self, loan_id: int, page: PageAt, rows: int, until: date | None = None
    ) -> Page[tuple[date, str | None]]:
        """One page of the loan's changes of bucket from its disbursement to `until` (the business
        date by default), oldest first: replayed from its whole history (one read, as `get`)."""
        changes = delinquency_changes(self.get(loan_id), until or clock.business_date())
        return page_of(changes, page, rows)

    def statement(self, loan_id: int, period_from: date | None, period_to: date | None) -> LoanStatement:
        """The borrower's statement for a period (the whole loan, read as `get` reads it)."""
        # Imported here: only the statement route needs it, and every loan read loads this module.
        from lms.loans.domain.operations.statement import loan_statement, statement_period

        loan = self.get(loan_id)
        start, end = statement_period(loan, period_from, period_to, clock.business_date())
        return loan_statement(loan, start, end)

    def payoff(self, loan_id: int, on: date) -> payments.PayoffQuote:
        loan = self.loans.get(loan_id)
        return payments.quote_payoff(loan, self.products.get(loan.product_id), on)

    def payment_types(self, page: PageAt, rows: int) -> Page[PaymentType]:
        return page_of(list(PAYMENT_TYPES), page, rows)
