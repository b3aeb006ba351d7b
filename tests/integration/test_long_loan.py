"""A loan with 20,000 transactions works (issue 12): a payment dated today reads the loan's head
alone and costs what it costs on a new loan; reading the loan, listing its transactions and
reversing a payment (which read its whole history) give exact answers.

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
    loan = long_loan(LOAN_ID, REPAYMENTS)
    assert len(loan.transactions) == REPAYMENTS + 1  # and the disbursement
    table = core_table()
    items = stored_items(loan)
    for item in items:
        table.put(item)
    return len(items) - 1  # history pages


def test_a_loan_with_twenty_thousand_transactions(operator, long_history):
    assert long_history >= 1
    today = datetime.now(UTC).date().isoformat()
    paid = Decimal("10.00") * REPAYMENTS  # every repayment paid interest (penalties, fees, interest first)
    outstanding = Decimal(PRINCIPAL) + INTEREST - paid

    body = {"transactionDate": today, "transactionAmount": "25.00", "paymentTypeId": 1, "receiptNumber": "R"}
    round_trips = RoundTrips()
    try:
        reply, calls = round_trips.during(lambda: operator.post(f"/v1/loans/{LOAN_ID}/repayments", body, headers=key()))
    finally:
        round_trips.remove()
    assert calls == ["BatchGetItem", "TransactWriteItems"]  # the head and receipt, the commit
    assert reply.status == 200, reply
    txn = reply.json
    assert txn["id"] == str(REPAYMENTS + 2)
    assert (txn["principal"], txn["interest"], txn["overpaymentPortion"]) == (0, Decimal("25.00"), 0)
    assert txn["loan"]["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")
    assert txn["loan"]["summary"]["interestOutstanding"] == INTEREST - paid - Decimal("25.00")

    got = operator.get(f"/v1/loans/{LOAN_ID}")
    assert got.status == 200, got
    assert got.json["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")
    listed = operator.get(f"/v1/loans/{LOAN_ID}/transactions", query={"page": 1, "rows": 3}).json
    assert listed["total"] == REPAYMENTS + 2
    assert [t["id"] for t in listed["items"]] == ["1", "2", "3"]

    # A reversal replays the whole history: the loan is exactly as before the payment.
    reversed_ = operator.post(f"/v1/loans/{LOAN_ID}/repayments/{txn['id']}/reverse", headers=key())
    assert reversed_.status == 200, reversed_
    assert reversed_.json["loan"]["summary"]["totalOutstanding"] == outstanding
    again = operator.post(f"/v1/loans/{LOAN_ID}/repayments", body, headers=key())
    assert again.status == 200, again
    assert again.json["loan"]["summary"]["totalOutstanding"] == outstanding - Decimal("25.00")
