"""A loan with a long history (tens of thousands of transactions), built and stored quickly.

Built by the pure domain as the service runs a payment that applies after all others: each
repayment is given the loan without its older history (`without_history`), so it resumes from the
loan's snapshot and costs the same however long the history is. Stored as the store would have
stored it, one repayment at a time: the tail sealed into a page each time it compresses past
`SEAL_AT_BYTES` (about 1 KB, seven repayments), so a 20,000-repayment loan is some 2,900 pages and
more than 3 MB, past a Query's 1 MB.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lms.loans.domain.accounting.books import Books
from lms.loans.domain.aggregate.loan import HISTORY_LISTS, Loan
from lms.loans.domain.operations import payments
from lms.loans.domain.operations.payments import PaymentOrder
from lms.loans.storage.history import (
    SEAL_AT_BYTES,
    HistoryPage,
    LoanWrite,
    PageWrite,
    SealedPage,
    StoredHistory,
)
from lms.loans.storage.store import loan_item, page_items
from lms.loans.storage.stored_loan import StoredLoan
from lms.storage.compact import pack
from tests.support.domain import AT, BASE, CASH, DomainLoan, product, without_history

PRINCIPAL = 10**8  # the seed's 7-day product, one installment: interest 11% of it


def long_loan(
    loan_id: int, repayments: int, amount: str = "10.00", first: date = date(2026, 5, 24)
) -> tuple[Loan, list[dict[str, int]]]:
    """A disbursed loan with `repayments` repayments of `amount`, 250 a day from `first`, and the
    counts of its history lists after its disbursement and after each repayment (where a commit
    could have sealed its tail)."""
    domain = DomainLoan(
        product(max_principal=Decimal(10**9), principal=Decimal(PRINCIPAL)), principal=PRINCIPAL, loan_id=loan_id
    )
    loan = domain.loan
    history = {n: list(getattr(loan, n)) for n in HISTORY_LISTS}
    head = without_history(loan, loan.counts())
    actor = domain.actor()
    commits = [loan.counts()]
    for n in range(repayments):
        order = PaymentOrder(first + timedelta(days=n // 250), Decimal(amount), CASH, f"R-{n + 1}")
        head, _ = payments.repay(head, order, Books(head, BASE, AT, "ak_test"), actor)
        for name in HISTORY_LISTS:
            history[name].extend(getattr(head, name))
        head = without_history(head, head.counts())
        commits.append(head.counts())
    return StoredLoan.of(head.model_copy(update=history)).with_earlier_history({}), commits


def stored_items(loan: Loan, commits: list[dict[str, int]], version: int = 1) -> list[dict]:
    """The head and history pages of `loan` at `version`, sealed as its commits would have sealed
    them: after each commit, a tail that compresses past SEAL_AT_BYTES becomes the next page."""
    ends = dict.fromkeys(HISTORY_LISTS, 0)
    writes = []
    for counts in commits:
        records = HistoryPage(**{n: getattr(loan, n)[ends[n] : counts[n]] for n in HISTORY_LISTS})
        state = pack(records.model_dump_json())
        if len(state) > SEAL_AT_BYTES:
            page = SealedPage(len(writes) + 1, dict(ends), dict(counts), version, records)
            writes.append(PageWrite(page, state, []))  # the ledger has these entries
            ends = dict(counts)
    head = loan.model_copy(update={"version": version, **{n: getattr(loan, n)[ends[n] :] for n in HISTORY_LISTS}})
    write = LoanWrite(
        head_state=pack(head.model_dump_json()),
        pages=[],  # the head's commit wrote none of them (pagesWritten is empty)
        stored=StoredHistory(tuple(w.page for w in writes), page_count=len(writes), ends=ends),
    )
    return [loan_item(loan, version, write), *page_items(loan, version, LoanWrite(b"", writes, write.stored))]
