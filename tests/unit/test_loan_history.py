"""A loan's history in sealed pages (lms.loans.storage.history), without storage: what a commit writes, and
how head and pages are put back together."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.loans.domain.aggregate.loan import Loan
from lms.loans.storage.history import (
    HISTORY,
    HistoryPage,
    HistoryTooLarge,
    LoanWrite,
    SealedPage,
    TornRead,
    assemble,
    plan_write,
)
from lms.loans.storage.stored_loan import StoredLoan
from lms.storage.compact import unpack
from tests.support.domain import DomainLoan, product


class Stored:
    """Head and pages as a table would hold them, written only through `plan_write`."""

    def __init__(self, loan: Loan, seal_at: int = 1024):
        self.seal_at = seal_at
        self.pages: dict[int, SealedPage] = {}
        self.writes: list[LoanWrite] = []
        self.commit(loan)

    def commit(self, loan: Loan) -> Loan:
        version = loan.version + 1
        write = plan_write(loan, version, self.seal_at)
        self.writes.append(write)
        for page in write.pages:
            # Read back from the bytes a table would hold, not from the objects written.
            self.pages[page.number] = replace(page.page, records=HistoryPage.model_validate_json(unpack(page.state)))
        self.head = StoredLoan.model_validate_json(unpack(write.head_state))
        self.head_pages, self.written_now = write.page_count, [p.number for p in write.pages]
        self.loan = self.read()
        return self.loan

    def read(self) -> Loan:
        return assemble(self.head, self.head_pages, self.written_now, list(self.pages.values()))


def repay_and_commit(domain: DomainLoan, stored: Stored, on: date) -> Loan:
    """One more repayment on the loan as stored, committed."""
    domain.loan = stored.loan
    domain.repay("10.00", on)
    return stored.commit(domain.loan)


def a_loan(repayments: int) -> DomainLoan:
    loan = DomainLoan(product(max_principal=Decimal(10**9), principal=Decimal(10**8)), principal=10**8)
    for n in range(repayments):
        loan.repay("10.00", date(2026, 5, 24) + timedelta(days=n // 10))
    return loan


def test_a_loan_reads_back_exactly_as_it_was_committed_whatever_its_pages():
    domain = a_loan(0)
    stored = Stored(domain.loan)
    for n in range(40):
        domain.loan = stored.loan
        domain.repay("10.00", date(2026, 5, 24) + timedelta(days=n // 10))
        expected = domain.loan.model_copy(update={"version": domain.loan.version + 1})
        assert stored.commit(domain.loan).model_dump_json() == expected.model_dump_json()
    assert len(stored.pages) >= 4
    # Pages hold consecutive runs of every list, and the head holds only what came after them.
    ends = dict.fromkeys(HISTORY, 0)
    for number in sorted(stored.pages):
        assert stored.pages[number].starts == ends
        ends = stored.pages[number].ends
    assert all(len(getattr(stored.head, n)) == len(getattr(stored.loan, n)) - ends[n] for n in HISTORY)


def test_an_operation_writes_the_head_and_no_page_unless_it_seals_its_tail():
    domain = a_loan(0)
    stored = Stored(domain.loan)
    for _ in range(30):
        pages_before = len(stored.pages)
        repay_and_commit(domain, stored, date(2026, 5, 24))
        write = stored.writes[-1]
        # Only a new page, numbered after the others: no sealed page is written again.
        assert [p.number for p in write.pages] in ([], [pages_before + 1])
        assert len(write.head_state) < 2048


def test_correcting_a_record_in_a_sealed_page_rewrites_that_page_only():
    domain = a_loan(0)
    stored = Stored(domain.loan)
    for n in range(30):
        repay_and_commit(domain, stored, date(2026, 5, 24) + timedelta(days=n))
    first_repayment = next(t for t in stored.loan.transactions if t.type.value == "Repayment")
    page = next(
        p for p in stored.pages.values() if p.starts["transactions"] < first_repayment.id <= p.ends["transactions"]
    )
    domain.loan = stored.loan
    domain.reverse(first_repayment.id)
    loan = stored.commit(domain.loan)
    rewritten = [p.number for p in stored.writes[-1].pages]
    assert page.number in rewritten
    # Besides that page, at most the tail (now holding the reversal's records) is sealed.
    assert set(rewritten) - {page.number} <= {len(stored.pages)}
    assert loan.transaction(first_repayment.id).reversed
    assert stored.pages[page.number].written_at == loan.version


def test_a_read_that_raced_a_commit_is_recognised_as_torn():
    domain = a_loan(0)
    stored = Stored(domain.loan)
    for n in range(12):
        repay_and_commit(domain, stored, date(2026, 5, 24) + timedelta(days=n))
    assert len(stored.pages) >= 2
    pages = list(stored.pages.values())
    # A page the head does not know yet (written by a newer commit than the head read).
    newer = SealedPage(pages[0].number, pages[0].starts, pages[0].ends, stored.head.version + 1, pages[0].records)
    with pytest.raises(TornRead):
        assemble(stored.head, stored.head_pages, stored.written_now, [newer, *pages[1:]])
    # A page missing (the head was read after a commit that added it, the page before).
    with pytest.raises(TornRead):
        assemble(stored.head, stored.head_pages, stored.written_now, pages[:-1])
    # A page this head's commit wrote, read as it was before that commit.
    last = pages[-1]
    older = SealedPage(last.number, last.starts, last.ends, last.written_at - 1, last.records)
    with pytest.raises(TornRead):
        assemble(stored.head, stored.head_pages, [last.number], [*pages[:-1], older])


def test_a_huge_tail_is_cut_into_pages_that_each_fit_an_item(monkeypatch):
    monkeypatch.setattr("lms.loans.storage.history.PAGE_TARGET_BYTES", 2048)
    domain = a_loan(60)
    write = plan_write(domain.loan, 1)
    assert len(write.pages) >= 2
    assert all(len(p.state) < 4 * 2048 for p in write.pages)
    assert sum(p.page.ends["transactions"] - p.page.starts["transactions"] for p in write.pages) == len(
        domain.loan.transactions
    )


def test_a_commit_that_would_rewrite_more_pages_than_one_transaction_holds_is_refused(monkeypatch):
    monkeypatch.setattr("lms.loans.storage.history.MAX_PAGES_PER_COMMIT", 2)
    monkeypatch.setattr("lms.loans.storage.history.PAGE_TARGET_BYTES", 1024)
    with pytest.raises(HistoryTooLarge):
        plan_write(a_loan(60).loan, 1)


def test_a_page_names_only_the_entries_its_commit_created_or_changed():
    """The ledger projection copies those; the rest of a sealed page it already holds."""
    domain = a_loan(0)
    stored = Stored(domain.loan)
    named: list[str] = []
    for n in range(20):
        before = {e.id for e in stored.loan.journal}
        repay_and_commit(domain, stored, date(2026, 5, 24) + timedelta(days=n))
        created = {e.id for e in stored.loan.journal} - before
        for page in stored.writes[-1].pages:
            assert set(page.changed_entries) <= created
            named += page.changed_entries
    # Every entry is named once at most, by the commit that sealed it the moment it was made.
    assert len(named) == len(set(named))
    first_repayment = next(t for t in stored.loan.transactions if t.type.value == "Repayment")
    domain.loan = stored.loan
    before = {e.id: e.status for e in stored.loan.journal}
    domain.reverse(first_repayment.id)
    stored.commit(domain.loan)
    changed = {e.id for e in stored.loan.journal if before.get(e.id) != e.status}
    rewritten = {e for page in stored.writes[-1].pages for e in page.changed_entries}
    assert first_repayment.entry_ids[0] in rewritten
    assert rewritten <= changed
