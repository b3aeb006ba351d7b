"""How late a loan is, as its answers show it: its delinquency as of a date, and its changes of bucket.

The rules are `lms.loans.domain.calculation.delinquency`'s; this applies them to a `Loan`, with the
buckets the loan took from its product. A loan not yet disbursed has no delinquency (None): nothing
has fallen due. A closed or overpaid loan has its figures computed like any other: nothing is
outstanding, so they are zero and it is in no bucket.
"""

from __future__ import annotations

from datetime import date

from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import HistoryNeeded, Loan
from lms.loans.domain.calculation.delinquency import (
    Delinquency,
    DelinquencyBuckets,
    LoanHistory,
    bucket_changes,
    delinquency,
)
from lms.loans.domain.calculation.position import LoanPosition


def buckets_of(loan: Loan) -> DelinquencyBuckets:
    return DelinquencyBuckets.parse(loan.delinquency_buckets)


def loan_delinquency(loan: Loan, as_of: date, position: LoanPosition | None = None) -> Delinquency | None:
    """The loan's delinquency at the end of `as_of`, the business date (today): its current position
    is the one as of today, since no transaction is dated in the future. None before disbursement."""
    if loan.disbursed_on_date is None or not loan.schedule:
        return None
    return delinquency(position or position_of(loan), as_of, buckets_of(loan))


def history_of(loan: Loan) -> LoanHistory:
    """What the loan's positions on earlier days are replayed from: its whole history."""
    if loan.partial:
        raise HistoryNeeded(f"loan {loan.id}: its changes of bucket need its whole history")
    return LoanHistory(
        loan.schedule, loan.transactions, loan.charges, loan.terms.transaction_processing_strategy_code, loan.currency
    )


def delinquency_changes(loan: Loan, until: date) -> list[tuple[date, str | None]]:
    """Every day from the disbursement to `until` on which the loan's bucket changed, with the bucket
    it entered (None: it left arrears), oldest first; none for a loan not yet disbursed."""
    if loan.disbursed_on_date is None or not loan.schedule:
        return []
    return bucket_changes(history_of(loan), loan.disbursed_on_date, until, buckets_of(loan))
