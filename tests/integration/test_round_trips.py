"""Every API request makes at most three DynamoDB round trips on its path (docs/data-model.md,
"Round trips per request"), counted on the shared boto3 client while the request runs. The
authorizer's read of the API key (cached per environment) and its rate-limit update are left out,
as the document says: they are the authorizer's, before the route's path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.loans.storage.store import LoanStore, loan_key
from tests.support.data import (
    active_loan,
    approved_loan,
    customer_body,
    key,
    loan_body,
    new_customer,
    submitted_loan,
)
from tests.support.round_trips import RoundTrips

LIMIT = 3


def today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.fixture
def round_trips(seeded, drain):
    drain()  # fund the disbursement account
    counter = RoundTrips()
    yield counter
    counter.remove()


def body(on="2026-05-23", amount=1000) -> dict:
    return {"transactionDate": on, "transactionAmount": amount, "paymentTypeId": 1, "receiptNumber": "R-1"}


RESUMING = ["BatchGetItem", "TransactWriteItems"]  # the head with the receipt, the commit


def test_money_routes_make_at_most_three_round_trips(operator, round_trips):
    """Every money operation reads the loan's head with its receipt first. A payment or charge that
    applies after everything else then commits: two. So do a settlement and a charge-off of a loan
    with no history pages (the head is the whole loan; the product is known); a reversal on a loan
    with a page reads it between."""
    loan = active_loan(operator)
    lid = loan["id"]
    settling, charging_off = active_loan(operator)["id"], active_loan(operator)["id"]
    payoff = operator.get(f"/v1/loans/{settling}/payoff", query={"date": "2026-05-23"}).json["total"]
    replies: dict[str, object] = {}
    requests = {
        "assess a charge": lambda: operator.post(
            f"/v1/loans/{lid}/charges",
            {"name": "Late fee", "chargeType": "fee", "amount": 50, "dueDate": "2026-05-30"},
            headers=key(),
        ),
        "waive it": lambda: operator.post(
            f"/v1/loans/{lid}/charges/{replies['assess a charge'].json['id']}/waive", headers=key()
        ),
        "repay": lambda: operator.post(f"/v1/loans/{lid}/repayments", body(), headers=key()),
        "reverse": lambda: operator.post(
            f"/v1/loans/{lid}/repayments/{replies['repay'].json['id']}/reverse", headers=key()
        ),
        "overpay": lambda: operator.post(f"/v1/loans/{lid}/repayments", body(on=today(), amount=20000), headers=key()),
        "refund": lambda: operator.post(f"/v1/loans/{lid}/refund", body(on=today(), amount=100), headers=key()),
        "settle": lambda: operator.post(
            f"/v1/loans/{settling}/early-settlement",
            body(amount=payoff),
            headers=key(),
        ),
        "charge off": lambda: operator.post(
            f"/v1/loans/{charging_off}/charge-off", {"transactionDate": "2026-05-23"}, headers=key()
        ),
    }
    for name, request in requests.items():
        replies[name], calls = round_trips.during(request)
        assert replies[name].status in (200, 201), (name, replies[name])
        # By the reversal the loan has sealed a history page, which a reversal replays. A refund
        # pays money out: it reads its rail account's funds shards before it commits.
        expected = {
            "reverse": ["BatchGetItem", "Query", "TransactWriteItems"],
            "refund": ["BatchGetItem", "BatchGetItem", "TransactWriteItems"],
        }.get(name, RESUMING)
        assert calls == expected, name
    assert LoanStore().table.get(loan_key(int(lid)))["pageCount"] >= 1


def test_a_back_dated_payment_on_a_loan_with_history_pages_reads_the_whole_loan(operator, round_trips):
    loan = active_loan(operator)
    lid = loan["id"]
    while not LoanStore().table.get(loan_key(int(lid))).get("pageCount"):
        assert (
            operator.post(f"/v1/loans/{lid}/repayments", body(on="2026-05-24", amount=10), headers=key()).status == 200
        )
    on_time, calls = round_trips.during(
        lambda: operator.post(f"/v1/loans/{lid}/repayments", body(on="2026-05-24", amount=10), headers=key())
    )
    assert on_time.status == 200, on_time
    assert calls == RESUMING
    back_dated, calls = round_trips.during(
        lambda: operator.post(f"/v1/loans/{lid}/repayments", body(on="2026-05-23", amount=10), headers=key())
    )
    assert back_dated.status == 200, back_dated
    assert calls == ["BatchGetItem", "Query", "TransactWriteItems"]  # the head did not do: its pages
    reversed_, calls = round_trips.during(
        lambda: operator.post(f"/v1/loans/{lid}/repayments/{back_dated.json['id']}/reverse", headers=key())
    )
    assert reversed_.status == 200, reversed_
    assert calls == ["BatchGetItem", "Query", "TransactWriteItems"]  # the head and receipt, the pages, the commit
    got, calls = round_trips.during(lambda: operator.get(f"/v1/loans/{lid}"))
    assert got.status == 200 and calls == ["Query"]  # head and pages, newest first
    # A list: the index, the page's heads, then the pages of the loans that have any, at once.
    other = active_loan(operator, customerId=int(loan["customerId"]))
    listed, calls = round_trips.during(lambda: operator.get("/v1/loans", query={"customerId": loan["customerId"]}))
    assert listed.status == 200 and {i["id"] for i in listed.json["items"]} == {lid, other["id"]}
    assert calls == ["Query", "BatchGetItem", "Query"], calls
    assert listed.json["items"][[i["id"] for i in listed.json["items"]].index(lid)] == got.json


def test_a_disbursement_reads_its_product_and_funds_beside_the_history(operator, round_trips, drain):
    loan = approved_loan(operator)
    reply, calls = round_trips.during(
        lambda: operator.post(
            f"/v1/loans/{loan['id']}/disburse",
            {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000},
            headers=key(),
        )
    )
    assert reply.status == 200, reply
    # The head with the receipt; the product and the funds account's totals (found from the head);
    # the commit.
    assert calls == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]
    drain()  # its payout made: a disbursal is not undone while its payout is PENDING
    undo, calls = round_trips.during(lambda: operator.post(f"/v1/loans/{loan['id']}/undo-disbursal", headers=key()))
    assert undo.status == 200, undo
    assert calls == ["BatchGetItem", "TransactWriteItems"]


def test_a_replay_reads_the_loan_and_its_receipt_and_writes_nothing(operator, round_trips):
    loan = active_loan(operator)
    headers = key()
    request = lambda: operator.post(f"/v1/loans/{loan['id']}/repayments", body(), headers=headers)  # noqa: E731
    first, _ = round_trips.during(request)
    replay, calls = round_trips.during(request)
    assert (replay.status, replay.raw) == (first.status, first.raw)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert calls == ["BatchGetItem"]  # the loan's head and the receipt


def test_other_routes_stay_within_three(operator, round_trips):
    loan = submitted_loan(operator)
    lid = loan["id"]
    customer = new_customer(operator)
    for name, request in {
        "create a customer": lambda: operator.post("/v1/customers", customer_body()),
        "submit a loan": lambda: operator.post("/v1/loans", loan_body(customer["id"])),
        "approve": lambda: operator.post(f"/v1/loans/{lid}/approve", {"approvedOnDate": "2026-05-23"}),
        "undo approval": lambda: operator.post(f"/v1/loans/{lid}/undo-approval", {}),
        "get": lambda: operator.get(f"/v1/loans/{lid}"),
        "schedule": lambda: operator.get(f"/v1/loans/{lid}/schedule"),
        "withdraw": lambda: operator.post(f"/v1/loans/{lid}/withdraw", {"withdrawnOnDate": "2026-05-23"}),
        "balance": lambda: operator.get("/v1/ledger/accounts/1120/balance"),
    }.items():
        reply, calls = round_trips.during(request)
        assert reply.status in (200, 201), (name, reply)
        assert len(calls) <= LIMIT, (name, calls)
