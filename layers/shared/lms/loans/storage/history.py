"""A loan's history kept out of the item that every operation rewrites.

A loan's history (transactions, journal entries, outbound events, timeline) only grows, and a
record changes after it was written only when a later operation corrects it (a reversal marks an
entry reversed and a transaction reversed; a back-dated payment re-splits later ones). So the
loan is stored as:
- a head item: the loan's state with the newest records (the tail), rewritten by every operation;
- sealed pages: once the tail compresses to more than `seal_at` bytes, it is written as a page
  item of its own, in the same commit as the head, and the head starts an empty tail.

A page is written again only when a record in it changed, so an operation writes the head and
what it changed, whatever the loan's age. This module is the pure part: which records go to the
head, which pages a change touches, and how a read of head and pages is put back together (and
recognised as torn, when it raced a commit). `lms.loans.storage.store` does the reads and writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pydantic import Field

from lms.ledger.domain.entries import JournalEntry
from lms.loans.domain.aggregate.loan import HISTORY_LISTS, OutboundEvent, TimelineEvent
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.storage.stored_loan import StoredLoan
from lms.models import LmsModel
from lms.storage.compact import pack

HISTORY = HISTORY_LISTS
SEAL_AT_BYTES = 1024  # a compressed tail larger than this is sealed into a page
PAGE_TARGET_BYTES = 96 * 1024  # a very large tail (an undone disbursement) is cut into pages this size
PAGE_LIMIT_BYTES = 350 * 1024  # inside DynamoDB's 400 KB item limit, with room for the keys
# One TransactWriteItems holds at most 100 items and 4 MB: the head, the request's receipt
# (lms.storage.receipts) and up to 98 pages.
MAX_PAGES_PER_COMMIT = 98
MAX_COMMIT_BYTES = 3 * 1024 * 1024


class HistoryPage(LmsModel):
    """The records of one page (or of the head's tail), each list a contiguous run of the loan's."""

    transactions: list[LoanTransaction] = Field(default_factory=list)
    journal: list[JournalEntry] = Field(default_factory=list)
    outbox: list[OutboundEvent] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)

    def count(self, name: str) -> int:
        return len(getattr(self, name))


def no_records() -> dict[str, int]:
    return dict.fromkeys(HISTORY, 0)


@dataclass(frozen=True)
class SealedPage:
    """A page as read: where its runs start and end in the loan's lists, and the version of the loan
    whose commit last wrote it."""

    number: int
    starts: dict[str, int]
    ends: dict[str, int]
    written_at: int
    records: HistoryPage


@dataclass(frozen=True)
class StoredHistory:
    """What a loan was read with: its sealed pages, and the status of every journal entry (so a
    commit can name the entries it created or changed).

    A loan read without its older history (its head alone) holds none of the pages it was read
    with: `pages` are then only those sealed since, and `page_count` and `ends` say how many pages
    the loan has and where they end."""

    pages: tuple[SealedPage, ...] = ()
    entry_statuses: dict[str, str] = field(default_factory=dict)
    page_count: int | None = None  # None: len(pages)
    ends: dict[str, int] | None = None  # None: where the last of `pages` ends

    @property
    def count(self) -> int:
        return len(self.pages) if self.page_count is None else self.page_count

    @property
    def sealed_ends(self) -> dict[str, int]:
        return dict(self.ends) if self.ends is not None else ends_of(self.pages)


@dataclass(frozen=True)
class PageWrite:
    page: SealedPage
    state: bytes  # the page's records, compressed
    changed_entries: list[str]  # journal entries in the page that this commit created or changed

    @property
    def number(self) -> int:
        return self.page.number


@dataclass(frozen=True)
class LoanWrite:
    """What one commit of a loan writes: the head's state and the pages that are new or changed."""

    head_state: bytes
    pages: list[PageWrite]
    stored: StoredHistory  # the loan's history as stored once this write is committed

    @property
    def page_count(self) -> int:
        """How many sealed pages the loan has once this write is committed."""
        return self.stored.count


class TornRead(Exception):
    """The head and pages read do not belong to one commit (a read raced a write): read again."""


class HistoryTooLarge(Exception):
    """One commit would write more history than one DynamoDB transaction can hold."""


def stored_of(loan: StoredLoan) -> StoredHistory:
    return loan.stored_history or StoredHistory()


def ends_of(pages: tuple[SealedPage, ...]) -> dict[str, int]:
    return dict(pages[-1].ends) if pages else no_records()


def _run(loan: StoredLoan, name: str, start: int, end: int | None = None) -> list:
    """Records `start` to `end` of the loan's list `name` (positions in the whole list, whether or
    not the loan was read with its older records)."""
    offset = loan.earlier(name)
    return getattr(loan, name)[start - offset : None if end is None else end - offset]


def _changed(loan: StoredLoan, page: SealedPage) -> bool:
    return any(_run(loan, n, page.starts[n], page.ends[n]) != getattr(page.records, n) for n in HISTORY)


def _pack(records: HistoryPage) -> bytes:
    return pack(records.model_dump_json())


def _cut(tail: HistoryPage, parts: int) -> list[HistoryPage]:
    """`parts` pages of about equal size, each list cut into consecutive runs."""
    pages = []
    for i in range(parts):
        runs = {}
        for name in HISTORY:
            records = getattr(tail, name)
            size = math.ceil(len(records) / parts)
            runs[name] = records[i * size : (i + 1) * size]
        pages.append(HistoryPage(**runs))
    return pages


def plan_write(loan: StoredLoan, version: int, seal_at: int | None = None) -> LoanWrite:
    """Split `loan` (as the domain left it) into its head and the pages this commit must write."""
    seal_at = SEAL_AT_BYTES if seal_at is None else seal_at
    stored = stored_of(loan)
    sealed = stored.pages  # the sealed pages whose records the loan holds
    ends = stored.sealed_ends
    if any(loan.count(n) < ends[n] or loan.earlier(n) > ends[n] for n in HISTORY):
        raise ValueError(f"loan {loan.id}: history records were removed; a loan's history only grows")
    seen = stored.entry_statuses
    writes = [
        _page_write(page.number, page.starts, page.ends, version, _records(loan, page), seen)
        for page in sealed
        if _changed(loan, page)
    ]
    tail = HistoryPage(**{n: _run(loan, n, ends[n]) for n in HISTORY})
    packed_tail = _pack(tail)
    count = stored.count
    if len(packed_tail) > seal_at:
        for records in _cut(tail, math.ceil(len(packed_tail) / PAGE_TARGET_BYTES)):
            starts = dict(ends)
            ends = {n: starts[n] + records.count(n) for n in HISTORY}
            count += 1
            writes.append(_page_write(count, starts, ends, version, records, seen))
        tail = HistoryPage()
    if any(len(w.state) > PAGE_LIMIT_BYTES for w in writes):
        raise HistoryTooLarge(f"loan {loan.id}: a history page would exceed {PAGE_LIMIT_BYTES} bytes")
    if len(writes) > MAX_PAGES_PER_COMMIT or sum(len(w.state) for w in writes) > MAX_COMMIT_BYTES:
        raise HistoryTooLarge(f"loan {loan.id}: {len(writes)} history pages are more than one commit can write")
    written = {w.number: w.page for w in writes}
    pages = tuple(written.get(page.number, page) for page in sealed) + tuple(
        written[n] for n in range(stored.count + 1, count + 1)
    )
    head = loan.model_copy(update={"version": version, **{n: getattr(tail, n) for n in HISTORY}})
    statuses = {e.id: e.status.value for e in loan.journal}
    return LoanWrite(
        head_state=pack(head.model_dump_json()),
        pages=writes,
        stored=StoredHistory(pages, statuses, page_count=count, ends=ends),
    )


def _page_write(
    number: int, starts: dict, ends: dict, version: int, records: HistoryPage, seen: dict[str, str]
) -> PageWrite:
    changed = [e.id for e in records.journal if seen.get(e.id) != e.status.value]
    return PageWrite(SealedPage(number, starts, ends, version, records), _pack(records), changed)


def _records(loan: StoredLoan, page: SealedPage) -> HistoryPage:
    return HistoryPage(**{n: _run(loan, n, page.starts[n], page.ends[n]) for n in HISTORY})


def assemble(head: StoredLoan, head_pages: int, written_now: list[int], pages: list[SealedPage]) -> StoredLoan:
    """The whole loan from its head (with its tail) and its sealed pages, in page order.

    Raises `TornRead` unless the pages are exactly those the head's commit left: numbered 1 to
    `head_pages`, each run starting where the previous ended, none written by a later commit, and
    those the head's own commit wrote (`written_now`) written by it."""
    pages = sorted(pages, key=lambda p: p.number)
    if [p.number for p in pages] != list(range(1, head_pages + 1)):
        raise TornRead(f"loan {head.id}: pages {[p.number for p in pages]}, head at {head_pages}")
    ends = no_records()
    for page in pages:
        if page.starts != ends or page.written_at > head.version:
            raise TornRead(f"loan {head.id}: page {page.number} does not follow from version {head.version}")
        if page.number in written_now and page.written_at != head.version:
            raise TornRead(f"loan {head.id}: page {page.number} is older than version {head.version}")
        ends = page.ends
    runs = {n: [r for p in pages for r in getattr(p.records, n)] + getattr(head, n) for n in HISTORY}
    statuses = {e.id: e.status.value for e in runs["journal"]}
    return head.model_copy(update=runs).with_stored_history(StoredHistory(tuple(pages), statuses))


def without_older_history(head: StoredLoan, page_count: int, ends: dict[str, int]) -> StoredLoan:
    """The loan from its head alone: its newest records, after the `ends` records its `page_count`
    sealed pages hold (operations that need those raise `HistoryNeeded`)."""
    statuses = {e.id: e.status.value for e in head.journal}
    stored = StoredHistory((), statuses, page_count=page_count, ends=dict(ends))
    return head.with_stored_history(stored).with_earlier_history(ends)
