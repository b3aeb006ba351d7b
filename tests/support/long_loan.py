"""A loan with a long history (tens of thousands of transactions), built and stored quickly.

Built by the pure domain as the service runs a payment that applies after all others: each
repayment is given the loan without its older history (`without_history`), so it resumes from the
loan's snapshot and costs the same however long the history is. Stored as the store stores a loan
whose tail was sealed into pages, but in pages of about `PAGE_TARGET_BYTES` (what the store does
with a large tail) so that seeding writes a few hundred items, not thousands.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

from lms.loans.domain import payments
from lms.loans.domain.books import Books
from lms.loans.domain.loan import HISTORY_LISTS, Loan
from lms.loans.domain.payments import PaymentOrder
from lms.loans.history import (
    PAGE_TARGET_BYTES,
    HistoryPage,
    LoanWrite,
    PageWrite,
    SealedPage,
    StoredHistory,
)
from lms.loans.store import loan_item, page_items
from lms.storage.compact import pack
from tests.support.domain import AT, BASE, CASH, DomainLoan, product, without_history

PRINCIPAL = 10**8  # the seed's 7-day product, one installment: interest 11% of it


def long_loan(loan_id: int, repayments: int, amount: str = "10.00", first: date = date(2026, 5, 24)) -> Loan:
    """A disbursed loan with `repayments` repayments of `amount`, 250 a day from `first`."""
    domain = DomainLoan(
        product(max_principal=Decimal(10**9), principal=Decimal(PRINCIPAL)), principal=PRINCIPAL, loan_id=loan_id
    )
    loan = domain.loan
    history = {n: list(getattr(loan, n)) for n in HISTORY_LISTS}
    head = without_history(loan, loan.counts())
    actor = domain.actor()
    for n in range(repayments):
        order = PaymentOrder(first + timedelta(days=n // 250), Decimal(amount), CASH, f"R-{n + 1}")
        head, _ = payments.repay(head, order, Books(head, BASE, AT, "ak_test"), actor)
        for name in HISTORY_LISTS:
            history[name].extend(getattr(head, name))
        head = without_history(head, head.counts())
    return head.model_copy(update=history).with_earlier_history({})


def stored_items(loan: Loan, version: int = 1) -> list[dict]:
    """The head and history pages of `loan` at `version`, everything but its last records sealed."""
    tail = {n: max(len(getattr(loan, n)) - 1, 0) for n in HISTORY_LISTS}  # keep one of each in the head
    whole = HistoryPage(**{n: getattr(loan, n)[: tail[n]] for n in HISTORY_LISTS})
    parts = max(1, math.ceil(len(pack(whole.model_dump_json())) / PAGE_TARGET_BYTES))
    writes, ends = [], dict.fromkeys(HISTORY_LISTS, 0)
    for number in range(1, parts + 1):
        starts = dict(ends)
        ends = {n: min(tail[n], math.ceil(tail[n] * number / parts)) for n in HISTORY_LISTS}
        records = HistoryPage(**{n: getattr(loan, n)[starts[n] : ends[n]] for n in HISTORY_LISTS})
        page = SealedPage(number, starts, ends, version, records)
        writes.append(PageWrite(page, pack(records.model_dump_json()), []))  # the ledger has these
    head = loan.model_copy(update={"version": version, **{n: getattr(loan, n)[tail[n] :] for n in HISTORY_LISTS}})
    write = LoanWrite(
        head_state=pack(head.model_dump_json()),
        pages=[],  # the head's commit wrote none of them (pagesWritten is empty)
        stored=StoredHistory(tuple(w.page for w in writes), page_count=parts, ends=ends),
    )
    return [loan_item(loan, version, write), *page_items(loan, version, LoanWrite(b"", writes, write.stored))]
