"""Loans in the core table: a head item per loan, committed by a conditional write on `version`,
and the loan's sealed history pages beside it (`lms.loans.storage.history`).

The head holds the loan's state with its newest records (as exact JSON: amounts keep their
scale) plus the key attributes of the indexes that list loans by kind, customer and status. A
commit that only changes the head is one conditional PutItem; one that seals its tail into a page
or corrects a record in a sealed page writes those pages with the head in one TransactWriteItems,
conditional on the head's version. Either way a money operation is one conditional write, and its
size does not depend on the loan's age.

A whole read is one strongly consistent Query of the loan's partition, newest first (the head,
then its newest pages), for any loan whose history fits in its 1 MB; a longer history's older
pages are then read in ranges of `PAGES_PER_QUERY`, all at once. A read that starts from a head
read already (with a request's receipt) reads only the pages, all at once. Either way a loan of
any age is read in at most two round trips.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from lms.errors import Aborted, NotFound, ResourceExhausted
from lms.loans.domain.aggregate.loan import Loan, OutboundEvent
from lms.loans.domain.disbursing.signals import Signals
from lms.loans.domain.operations.revenue import first_month_due
from lms.loans.storage.arrears import ArrearsFilter, ArrearsIndexReader
from lms.loans.storage.history import (
    HistoryPage,
    HistoryTooLarge,
    LoanWrite,
    SealedPage,
    TornRead,
    assemble,
    plan_write,
    without_older_history,
)
from lms.loans.storage.item_format import head_markers, loan_partition, portfolio_marker
from lms.loans.storage.signal_items import signal_items
from lms.loans.storage.stored_loan import StoredLoan
from lms.observability import traced
from lms.storage.compact import unpack
from lms.storage.concurrent import at_once
from lms.storage.dynamo import ConditionFailed, ItemRef, ItemTooLarge, Key, Table, WriteOutcomeUnknown
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import ACCRUAL_SHARDS, BY_PARENT, BY_STATUS, BY_TYPE, core_table, sortable_id

HEAD = "LOAN"
PAGE = "HISTORY#"  # sorts before HEAD, so one Query from PAGE to HEAD reads pages then head
TORN_READ_ATTEMPTS = 5
# Pages one Query of a range reads: sealed pages are about 1.2 KB (a tail sealed once it compresses
# past 1 KB), so a range stays inside a Query's 1 MB; one that does not (pages cut from an undone
# disbursement's large tail) is continued by a further request.
PAGES_PER_QUERY = 384
T = TypeVar("T")
# Pages the relay reads back first when it fell behind a seal: the events it has not sent are
# nearly always in the page just sealed, so it starts small and doubles if it must go further.
FIRST_EVENT_PAGES = 2
EVENT_PAGES_PER_QUERY = 64


def loan_key(loan_id: int) -> Key:
    return Key(loan_partition(loan_id), HEAD)


def page_key(loan_id: int, number: int) -> Key:
    return Key(loan_partition(loan_id), f"{PAGE}{number:08d}")


def _head_of(item: dict) -> StoredLoan:
    return StoredLoan.model_validate_json(unpack(item["state"])).model_copy(update={"version": int(item["version"])})


def _page_of(item: dict) -> SealedPage:
    return SealedPage(
        number=int(item["number"]),
        starts={k: int(v) for k, v in item["starts"].items()},
        ends={k: int(v) for k, v in item["ends"].items()},
        written_at=int(item["writtenAt"]),
        records=HistoryPage.model_validate_json(unpack(item["state"])),
    )


def _from_items(head: dict, pages: list[dict]) -> StoredLoan:
    return assemble(
        _head_of(head),
        int(head.get("pageCount", 0)),
        [int(n) for n in head.get("pagesWritten", [])],
        [_page_of(p) for p in pages],
    )


def _ranges(first: int, last: int) -> list[tuple[int, int]]:
    """Page numbers `first` to `last` in runs of at most PAGES_PER_QUERY (none if last < first)."""
    return [(start, min(start + PAGES_PER_QUERY - 1, last)) for start in range(first, last + 1, PAGES_PER_QUERY)]


def accrual_index(loan: StoredLoan) -> dict:
    """The sparse accrual index's keys: present while the revenue run has months to book for the loan."""
    due = first_month_due(loan)
    if due is None:
        return {}
    return {"AccrualPK": f"ACCRUE#{loan.id % ACCRUAL_SHARDS}", "AccrualSK": f"{due:%Y-%m}#{sortable_id(loan.id)}"}


def loan_item(loan: StoredLoan, version: int, write: LoanWrite) -> dict:
    """The loan's head item for `write` (its state holds the tail of the loan's history; the pages
    `write` seals or corrects go with it: `page_items`)."""
    key = loan_key(loan.id)
    padded = sortable_id(loan.id)
    return {
        **accrual_index(loan),
        **head_markers(loan.id, loan.arrears),
        **portfolio_marker(loan.currency, loan.arrears, loan.charged_off),
        "PK": key.pk,
        "SK": key.sk,
        "entity": "loan",
        "version": version,
        "status": loan.status.value,
        "customerId": loan.customer_id,
        # Projected by the arrears index, so its list filters by office and product without a read.
        "officeId": loan.office_id,
        "productId": loan.product_id,
        # Lets the outbox relay's stream filter see only loans that carry events.
        "eventSeq": len(loan.outbox),
        "TypePK": "LOAN",
        "TypeSK": padded,
        "ParentPK": f"CUSTOMER#{loan.customer_id}",
        "ParentSK": f"LOAN#{padded}",
        "StatusPK": f"LOAN#{loan.status.value}",
        "StatusSK": padded,
        # The loan's state and newest records, compressed (see lms.storage.compact).
        "state": write.head_state,
        "pageCount": write.page_count,
        # Where the sealed pages end in each history list: what a read of the head alone needs.
        "historyEnds": write.stored.sealed_ends,
        # The pages this commit wrote: a read that finds them older raced this commit.
        "pagesWritten": [p.number for p in write.pages],
    }


def commit_items(loan: StoredLoan, version: int, write: LoanWrite) -> list[dict]:
    """Everything one commit writes: the head first, then the pages it seals or corrects."""
    return [loan_item(loan, version, write), *page_items(loan, version, write)]


def page_items(loan: StoredLoan, version: int, write: LoanWrite) -> list[dict]:
    return [
        {
            "PK": page_key(loan.id, page.number).pk,
            "SK": page_key(loan.id, page.number).sk,
            "entity": "loanHistory",
            "loanId": loan.id,
            "number": page.number,
            "starts": page.page.starts,
            "ends": page.page.ends,
            "writtenAt": version,
            # What the ledger projection copies: the rest of the page's entries it already holds.
            "changedEntries": page.changed_entries,
            "state": page.state,
        }
        for page in write.pages
    ]


@traced
class LoanStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def next_id(self) -> int:
        return self.table.next_id("loan")

    def add(self, loan: Loan) -> StoredLoan:
        """A new loan (its first version), unless one with its id exists."""
        return self._commit(StoredLoan.of(loan), 1, {"condition": "attribute_not_exists(PK)"})

    def get(self, loan_id: int) -> StoredLoan:
        """The whole loan: one strongly consistent Query of its head and newest pages, and for a
        history past that Query's 1 MB, its older pages in ranges read at once (read again if it
        raced a commit that wrote pages)."""
        for attempt in range(TORN_READ_ATTEMPTS):
            items, more = self.table.query_page(
                "PK = :pk AND SK BETWEEN :first AND :head",
                {":pk": loan_key(loan_id).pk, ":first": PAGE, ":head": HEAD},
                forward=False,
                consistent=True,
            )
            if not items or items[0]["SK"] != HEAD:  # the head sorts after its pages: first, newest first
                raise NotFound(f"Loan with identifier {loan_id} does not exist", reason="LOAN_NOT_FOUND")
            head, pages = items[0], items[1:]
            if more:  # the older pages, below the oldest this Query reached
                oldest = min((int(p["number"]) for p in pages), default=int(head.get("pageCount", 0)) + 1)
                pages += self._pages(loan_id, 1, oldest - 1)
            try:
                return _from_items(head, pages)
            except TornRead:
                time.sleep(0.01 * (attempt + 1))
        raise Aborted(f"Loan {loan_id} kept changing while it was read; retry", reason="CONCURRENT_MODIFICATION")

    def with_history(
        self, loan_id: int, head: dict | None, beside: Callable[[], T] = lambda: None
    ) -> tuple[StoredLoan, T]:
        """The whole loan from its head item as read already: its pages read at once, each range
        one Query, with `beside()` (other reads the operation needs) in the same round trip. If a
        commit raced the head, the whole loan is read again (`get`)."""
        if head is None:
            raise NotFound(f"Loan with identifier {loan_id} does not exist", reason="LOAN_NOT_FOUND")
        count = int(head.get("pageCount", 0))
        ranges = _ranges(1, count)
        found = at_once([*(lambda r=r: self._range(loan_id, *r) for r in ranges), beside])
        try:
            return _from_items(head, [page for pages in found[:-1] for page in pages]), found[-1]
        except TornRead:
            return self.get(loan_id), found[-1]

    def _pages(self, loan_id: int, first: int, last: int) -> list[dict]:
        """History pages `first` to `last`, in ranges of PAGES_PER_QUERY read at once."""
        return [
            page
            for pages in at_once([lambda r=r: self._range(loan_id, *r) for r in _ranges(first, last)])
            for page in pages
        ]

    def _range(self, loan_id: int, first: int, last: int) -> list[dict]:
        return list(
            self.table.query(
                "PK = :pk AND SK BETWEEN :first AND :last",
                {
                    ":pk": loan_key(loan_id).pk,
                    ":first": page_key(loan_id, first).sk,
                    ":last": page_key(loan_id, last).sk,
                },
                consistent=True,
            )
        )

    def head_ref(self, loan_id: int) -> ItemRef:
        """The loan's head, to read in a batch with other items (`from_head`)."""
        return ItemRef.of(self.table.name, loan_key(loan_id))

    def from_head(self, loan_id: int, head: dict | None) -> StoredLoan:
        """The loan from its head item, without its sealed history: operations that need it raise
        `HistoryNeeded`, and the caller reads the whole loan (`get`)."""
        if head is None:
            raise NotFound(f"Loan with identifier {loan_id} does not exist", reason="LOAN_NOT_FOUND")
        if not head.get("pageCount"):
            return _from_items(head, [])
        if "historyEnds" not in head:  # written before heads said where their pages end
            return self.get(loan_id)
        ends = {k: int(v) for k, v in head["historyEnds"].items()}
        return without_older_history(_head_of(head), int(head["pageCount"]), ends)

    def events_after(self, loan_id: int, head: dict | None, seq: int) -> list[OutboundEvent]:
        """The loan's outbound events after `seq`, in order: from its head item, and, when some were
        sealed, only the newest pages back to the one holding event `seq + 1` (events never change
        once committed, so the pages need not match the head's version)."""
        loan = self.from_head(loan_id, head)
        pages: list[SealedPage] = []  # newest first
        if seq < loan.earlier("outbox"):
            newest = page_key(loan_id, int(head["pageCount"])).sk
            start, limit = None, FIRST_EVENT_PAGES
            while True:
                items, start = self.table.query_page(
                    "PK = :pk AND SK BETWEEN :first AND :last",
                    {":pk": loan_key(loan_id).pk, ":first": PAGE, ":last": newest},
                    forward=False,
                    consistent=True,
                    limit=limit,
                    start=start,
                )
                limit = min(limit * 2, EVENT_PAGES_PER_QUERY)
                read = [_page_of(item) for item in items]
                pages += read
                if not start or any(page.starts["outbox"] <= seq for page in read):
                    break
        older = [event for page in reversed(pages) for event in page.records.outbox]
        return [event for event in [*older, *loan.outbox] if event.seq > seq]

    def get_head(self, loan_id: int) -> StoredLoan:
        """The loan without its sealed history (`from_head`): one GetItem."""
        return self.from_head(loan_id, self.table.get(loan_key(loan_id)))

    def get_heads(self, loan_ids: list[int]) -> list[StoredLoan]:
        """Loans by id without their sealed history (`from_head`): one BatchGetItem per 100."""
        return [
            self.from_head(int(h["PK"].removeprefix("LOAN#")), h)
            for h in self.table.batch_get([loan_key(i) for i in loan_ids])
        ]

    def get_many(self, loan_ids: list[int]) -> list[StoredLoan]:
        """Loans by id, in the order given (unknown ids are left out): one BatchGetItem per 100
        heads, then the pages of those that have any, all at once."""
        return self._whole(self.table.batch_get([loan_key(i) for i in loan_ids]))

    def _whole(self, heads: list[dict]) -> list[StoredLoan]:
        """The loans these head items belong to: the pages of every one that has any, read at once."""
        wanted = [
            (h, int(h["PK"].removeprefix("LOAN#")), r) for h in heads for r in _ranges(1, int(h.get("pageCount", 0)))
        ]
        found = at_once([lambda w=w: self._range(w[1], *w[2]) for w in wanted])
        pages: dict[str, list[dict]] = {}
        for (head, _, _), items in zip(wanted, found, strict=True):
            pages.setdefault(head["PK"], []).extend(items)
        loans = []
        for head in heads:
            try:
                loans.append(_from_items(head, pages.get(head["PK"], [])))
            except TornRead:  # a commit raced this read: that loan alone is read again
                loans.append(self.get(int(head["PK"].removeprefix("LOAN#"))))
        return loans

    def signal_actions(self, loan: StoredLoan, signals: Signals, at: str) -> list[dict]:
        """Transaction items announcing what the commit saving `loan` did (written only if absent)."""
        return [
            self.table.put_action(item, condition="attribute_not_exists(PK)")
            for item in signal_items(loan.id, loan.version + 1, signals, at)
        ]

    def save(self, loan: StoredLoan, also: list[dict] | None = None) -> StoredLoan:
        """Replace the loan if nobody changed it since it was read (optimistic concurrency).
        `also` are transaction items that must take effect with it or not at all (a request's
        receipt): each carries its own condition, and any failing fails the commit."""
        condition = {
            "condition": "#version = :expected",
            "names": {"#version": "version"},
            "values_": {":expected": loan.version},
        }
        return self._commit(loan, loan.version + 1, condition, also or [])

    def _commit(
        self, loan: StoredLoan, new_version: int, condition: dict, also: list[dict] | None = None
    ) -> StoredLoan:
        """One conditional write: the head alone, or the head with its new or changed pages and
        `also` in one transaction."""
        try:
            write = plan_write(loan, new_version)
            head, *pages = commit_items(loan, new_version, write)
            if pages or also:
                self.table.transact_write(
                    [
                        self.table.put_action(head, **condition),
                        *(self.table.put_action(page) for page in pages),
                        *(also or []),
                    ]
                )
            else:
                self.table.put(head, **condition)
        except ConditionFailed:
            raise Aborted(
                f"Loan {loan.id} was changed by another request; read it again and retry",
                reason="CONCURRENT_MODIFICATION",
            ) from None
        except WriteOutcomeUnknown:
            # Retried like a lost race: the loan is read again, and its commit keys tell whether
            # this write took effect (lms.loans.service.unit_of_work.LoanUnitOfWork.run).
            raise Aborted(
                f"Loan {loan.id}: the outcome of its write is unknown; read it again and retry",
                reason="WRITE_OUTCOME_UNKNOWN",
            ) from None
        except (ItemTooLarge, HistoryTooLarge):
            raise ResourceExhausted(
                f"Loan {loan.id}: this operation changes more history than one commit can write; it was not recorded",
                reason="LOAN_HISTORY_FULL",
            ) from None
        return loan.model_copy(update={"version": new_version}).with_stored_history(write.stored)

    def in_arrears(self, wanted: ArrearsFilter, rows: int, cursor: str | None) -> tuple[list[StoredLoan], str | None]:
        """A page of delinquent loans, oldest arrears first (ArrearsIndex; `lms.loans.storage.arrears`),
        and the cursor of the next page (None after the last)."""
        found = ArrearsIndexReader(self.table).page(wanted, rows, cursor)
        heads = self.table.batch_get([loan_key(i) for i in found.loan_ids]) if found.loan_ids else []
        return self._whole(heads), found.next_cursor

    def list(
        self, page: PageAt, rows: int, customer_id: int | None = None, status: str | None = None
    ) -> Page[StoredLoan]:
        names = {"#status": "status"}
        if customer_id is not None:
            candidates = KeyQuery(
                "ParentPK = :p AND begins_with(ParentSK, :l)",
                {":p": f"CUSTOMER#{customer_id}", ":l": "LOAN#", **({":s": status} if status else {})},
                index=BY_PARENT,
                projection="PK, SK",
                filter_="#status = :s" if status else None,
                names=names if status else None,
            )
        elif status is not None:
            candidates = KeyQuery("StatusPK = :s", {":s": f"LOAN#{status}"}, index=BY_STATUS, projection="PK, SK")
        else:
            candidates = KeyQuery("TypePK = :t", {":t": "LOAN"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, build_all=self._whole)
