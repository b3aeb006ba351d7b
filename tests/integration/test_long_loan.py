"""A loan with 20,000 transactions works (issue 12): a payment dated today reads the loan's head
alone and costs what it costs on a new loan; reading the loan, listing its transactions, a
back-dated payment and reversing a payment (which read its whole history, more than a Query's
1 MB) give exact answers, each within three round trips.

`LMS_LONG_LOAN_REPAYMENTS` sets the size (20,000 by default)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from lms.storage.tables import core_table
from tests.support.data import key
from tests.support.long_loan import PRINCIPAL, long_loan, stored_items
from tests.support.round_trips import RoundTrips

REPAYMENTS = int(os.environ.get("LMS_LONG_LOAN_REPAYMENTS", "20000"))
LOAN_ID = 8_000_001
INTEREST = Decimal(PRINCIPAL) * Decimal("0.11")


@pytest.fixture
def long_history(seeded):
    loan, commits = long_loan(LOAN_ID, REPAYMENTS)
    assert len(loan.transactions) == REPAYMENTS + 1  # and the disbursement
    table = core_table()
    items = stored_items(loan, commits)
    for item in items:
        table.put(item)
    return items[1:]  # history pages


@pytest.fixture
def round_trips():
    counter = RoundTrips()
    yield counter
    counter.remove()


def test_a_loan_with_twenty_thousand_transactions(operator, long_history, round_trips):
    if REPAYMENTS >= 20000:  # sealed as the store seals: thousands of pages, past one Query's 1 MB
        assert len(long_history) > 2000
        assert sum(len(page["state"]) for page in long_history) > 2_000_000
    today = datetime.now(UTC).date().isoformat()
    paid = Decimal("10.00") * REPAYMENTS  # every repayment paid interest (penalties, fees, interest first)
    outstanding = Decimal(PRINCIPAL) + INTEREST - paid

    body = {"transactionDate": today, "transactionAmount": "25.00", "paymentTypeId": 1, "receiptNumber": "R"}
    reply, calls = round_trips.during(lambda: operator.post(f"/v1/loans/{LOAN_ID}/repayments", body, headers=key()))
    assert calls == ["BatchGetItem", "TransactWriteItems"]  # the head and receipt, the commit
    assert reply.status == 200, reply
    txn = reply.json
    assert txn["id"] == str(REPAYMENTS + 2)
    assert (txn["principal"], txn["interest"], txn["overpaymentPortion"]) == (0, Decimal("25.00"), 0)
    assert txn["loan"]["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")
    assert txn["loan"]["summary"]["interestOutstanding"] == INTEREST - paid - Decimal("25.00")

    got, calls = round_trips.during(lambda: operator.get(f"/v1/loans/{LOAN_ID}"))
    assert got.status == 200, got
    # The head and its newest pages (one Query's 1 MB), then the older pages' ranges at once.
    assert len(calls) <= 2 and calls[0] == "Query", calls
    assert got.json["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")
    listed, calls = round_trips.during(
        lambda: operator.get(f"/v1/loans/{LOAN_ID}/transactions", query={"page": 1, "rows": 3})
    )
    assert len(calls) <= 2, calls
    assert listed.json["total"] == REPAYMENTS + 2
    assert [t["id"] for t in listed.json["items"]] == ["1", "2", "3"]

    # A reversal replays the whole history: the loan is exactly as before the payment. The head
    # and receipt, every page at once, the commit.
    reversed_, calls = round_trips.during(
        lambda: operator.post(f"/v1/loans/{LOAN_ID}/repayments/{txn['id']}/reverse", headers=key())
    )
    assert reversed_.status == 200, reversed_
    assert len(calls) == 3 and calls[0] == "BatchGetItem" and calls[-1] == "TransactWriteItems", calls
    assert reversed_.json["loan"]["summary"]["totalOutstanding"] == outstanding

    # A payment dated before the last day's repayments applies among them: the head does not do,
    # so the head's pages are read (at once), the history replayed, and the loan committed.
    back_dated = {**body, "transactionDate": "2026-05-24"}
    paid_back, calls = round_trips.during(
        lambda: operator.post(f"/v1/loans/{LOAN_ID}/repayments", back_dated, headers=key())
    )
    assert paid_back.status == 200, paid_back
    assert len(calls) == 3 and calls[0] == "BatchGetItem" and calls[-1] == "TransactWriteItems", calls
    assert (paid_back.json["principal"], paid_back.json["interest"]) == (0, Decimal("25.00"))
    assert paid_back.json["loan"]["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")


def test_the_relay_reads_back_only_the_pages_holding_events_it_has_not_sent(seeded, round_trips):
    """From a cursor anywhere in the history, exactly the events after it, in order; a cursor in
    the head's tail reads no page, one a page behind reads one request's worth."""
    from lms.loans.storage.store import FIRST_EVENT_PAGES, LoanStore, loan_key

    loan, commits = long_loan(LOAN_ID + 1, 300)
    table = core_table()
    items = stored_items(loan, commits)
    for item in items:
        table.put(item)
    pages = len(items) - 1
    # Reading back from the start takes several requests, each twice the one before.
    assert pages > FIRST_EVENT_PAGES * (1 + 2 + 4 + 8)
    store = LoanStore()
    head = table.get(loan_key(LOAN_ID + 1))
    sealed = int(head["historyEnds"]["outbox"])
    everything = [e.id for e in loan.outbox]
    for cursor in (0, 1, sealed // 2, sealed - 1, sealed, len(everything)):
        found, calls = round_trips.during(lambda cursor=cursor: store.events_after(LOAN_ID + 1, head, cursor))
        assert [e.id for e in found] == everything[cursor:], cursor
        assert [e.seq for e in found] == list(range(cursor + 1, len(everything) + 1))
        if cursor >= sealed:
            assert calls == [], (cursor, calls)
        elif cursor == sealed - 1:
            assert calls == ["Query"], (cursor, calls)
