"""Concurrency on the local stack, whose function environments are separate processes as on Lambda.

Every answer of 200 to a money call must be exactly one stored transaction, the one it names.
`LMS_COLD_ROUNDS` sets how many cold rounds run (a few here; `make fuzz` runs 500).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from tests.support.client import HttpClient
from tests.support.data import active_loan, approved_loan, key, repay, submitted_loan

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

COLD_ROUNDS = int(os.environ.get("LMS_COLD_ROUNDS", "5"))
REPAYMENT_TARGET = "lms.loans.schemas.payments:RepaymentRequest.to_order"


def client(stack) -> HttpClient:
    return HttpClient(stack.base_url, stack.admin_key)


def concurrently(count: int, call: Callable[[int], Any]) -> list:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(call, range(count)))


def eventually(check: Callable[[], Any], timeout: float = 20) -> Any:
    """The ledger and the push are fed by streams in the background, as on AWS: wait for them."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def repayments_of(http: HttpClient, loan_id: str) -> list[dict]:
    items = http.get(f"/v1/loans/{loan_id}/transactions", query={"rows": 99}).json["items"]
    return [t for t in items if t["type"] == "Repayment" and not t["reversed"]]


def assert_each_answer_is_one_stored_transaction(http: HttpClient, loan_id: str, replies: list) -> None:
    answered = [r.json["id"] for r in replies if r.status == 200]
    stored = repayments_of(http, loan_id)
    assert len(answered) == len(set(answered)), f"two answers name one transaction: {answered}"
    assert sorted(answered) == sorted(t["id"] for t in stored), (answered, stored)
    assert all(r.status in (200, 409) for r in replies), replies


def assert_books_tie_out(http: HttpClient, loan: dict) -> None:
    def tied() -> bool:
        ledger = http.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json
        receivable = next((a["netDebit"] for a in ledger["accounts"] if a["accountId"] == "1200"), Decimal(0))
        return receivable == loan["summary"]["principalOutstanding"]

    assert eventually(tied), "loans receivable does not equal the principal outstanding"
    trial = http.get("/v1/ledger/trial-balance").json
    assert trial["totalDebits"] == trial["totalCredits"]


def test_a_request_paused_inside_its_handler_keeps_its_own_request(stack):
    """The forced interleaving that lost a repayment when environments were threads of one process.

    Request A stops inside its handler, after Powertools' resolver took A's event and before the
    handler reads it; request B runs from start to finish; then A goes on. On Lambda (and here)
    each environment is its own process, so A still sees A: two repayments, each answered with its
    own transaction. With environments as threads, A read B's event (Powertools keeps the current
    request on a class attribute), replayed B's idempotent answer, and was never recorded.
    """
    http = client(stack)
    loan = active_loan(http)
    armed = http.post("/_local/breakpoints", {"function": "CreateRepaymentFunction", "target": REPAYMENT_TARGET})
    assert armed.status == 201, armed
    breakpoint_id = armed.json["id"]
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(repay, client(stack), loan["id"], 100)
        assert http.get(f"/_local/breakpoints/{breakpoint_id}", query={"wait": 30}).json["reached"]
        second = repay(http, loan["id"], 200)
        assert http.post(f"/_local/breakpoints/{breakpoint_id}/release").status == 200
        first = first.result(timeout=60)
    assert (first.status, second.status) == (200, 200), (first, second)
    assert (first.json["amount"], second.json["amount"]) == (Decimal("100.00"), Decimal("200.00"))
    assert first.json["id"] != second.json["id"]
    assert_each_answer_is_one_stored_transaction(http, loan["id"], [first, second])
    final = http.get(f"/v1/loans/{loan['id']}").json
    assert final["summary"]["totalOutstanding"] == Decimal("10800.00")


def test_concurrent_repayments_are_never_lost(stack):
    http = client(stack)
    loan = active_loan(http)
    replies = concurrently(6, lambda _: repay(client(stack), loan["id"], 100))
    assert_each_answer_is_one_stored_transaction(http, loan["id"], replies)
    recorded = sum(1 for r in replies if r.status == 200)
    final = http.get(f"/v1/loans/{loan['id']}").json
    assert final["summary"]["totalOutstanding"] == Decimal("11100.00") - 100 * recorded
    assert_books_tie_out(http, final)


def test_sixteen_concurrent_repayments_on_one_loan_all_succeed(stack):
    """A lost race is retried inside the request (with jittered backoff), not answered 409."""
    http = client(stack)
    loan = active_loan(http)
    replies = concurrently(16, lambda _: repay(client(stack), loan["id"], 100))
    assert [r.status for r in replies] == [200] * 16, replies
    assert_each_answer_is_one_stored_transaction(http, loan["id"], replies)
    final = http.get(f"/v1/loans/{loan['id']}").json
    assert final["summary"]["totalOutstanding"] == Decimal("9500.00")
    # 1,600 paid: the 1,100 of interest first, then 500 of principal.
    summary = final["summary"]
    assert (summary["interestOutstanding"], summary["principalOutstanding"]) == (0, Decimal("9500.00"))
    assert_books_tie_out(http, final)


def test_concurrent_repayments_in_cold_rounds(stack):
    """Each round starts every environment cold, as six containers created at once on Lambda."""
    http = client(stack)
    for round_ in range(COLD_ROUNDS):
        loan = active_loan(http)
        assert http.post("/_local/environments/recycle").status == 200
        replies = concurrently(6, lambda _, loan_id=loan["id"]: repay(client(stack), loan_id, 100))
        assert_each_answer_is_one_stored_transaction(http, loan["id"], replies)
        recorded = sum(1 for r in replies if r.status == 200)
        final = http.get(f"/v1/loans/{loan['id']}").json
        assert final["summary"]["totalOutstanding"] == Decimal("11100.00") - 100 * recorded, f"round {round_}"
        if (round_ + 1) % 25 == 0:
            print(f"cold rounds: {round_ + 1}/{COLD_ROUNDS} passed", flush=True)
    assert_books_tie_out(http, final)


def test_concurrent_approvals_give_one_success(stack):
    http = client(stack)
    loan = submitted_loan(http)
    replies = concurrently(
        8, lambda _: client(stack).post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-23"})
    )
    assert sorted(r.status for r in replies).count(200) == 1, replies
    assert all(r.status in (400, 409) for r in replies if r.status != 200)
    final = http.get(f"/v1/loans/{loan['id']}").json
    assert final["status"] == "Approved"
    assert [e["action"] for e in final["timeline"]].count("approve") == 1
    assert final["version"] == 2


def test_concurrent_approve_and_reject_never_both_win(stack):
    http = client(stack)
    loan = submitted_loan(http)
    calls = [("approve", {"approvedOnDate": "2026-05-23"}), ("reject", {"rejectedOnDate": "2026-05-23"})] * 4
    replies = concurrently(
        len(calls), lambda i: client(stack).post(f"/v1/loans/{loan['id']}/{calls[i][0]}", calls[i][1])
    )
    winners = [calls[i][0] for i, r in enumerate(replies) if r.status == 200]
    assert len(winners) == 1, replies
    expected = {"approve": "Approved", "reject": "Rejected"}[winners[0]]
    assert http.get(f"/v1/loans/{loan['id']}").json["status"] == expected


def test_fifty_concurrent_requests_with_one_key_disburse_once(stack):
    http = client(stack)
    loan = approved_loan(http)
    headers = key()
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    replies = concurrently(50, lambda _: client(stack).post(f"/v1/loans/{loan['id']}/disburse", body, headers=headers))
    assert len(replies) == 50
    # One commit wins; every other request finds its receipt (read after losing the race, or
    # before trying) and replays its answer.
    assert all(r.status == 200 for r in replies), [r for r in replies if r.status != 200]
    assert len({r.raw for r in replies}) == 1
    replayed = [{k.lower(): v for k, v in r.headers.items()}["idempotent-replayed"] for r in replies]
    assert sorted(replayed) == ["false"] + ["true"] * 49
    reference = replies[0].json["transactionId"]
    paid = eventually(lambda: http.get(f"/v1/disbursements/{reference}").json["status"] == "COMPLETED")
    assert paid, http.get(f"/v1/disbursements/{reference}").json
    final = http.get(f"/v1/loans/{loan['id']}").json
    # One disbursement commit, then one payout commit: no other write.
    assert (final["status"], final["version"]) == ("Active", loan["version"] + 2)
    sub_ledger = lambda: http.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json["entries"]  # noqa: E731
    entries = eventually(lambda: len(sub_ledger()) >= 2 and sub_ledger())
    assert [e["referenceType"] for e in entries] == ["disbursement", "payout"]


def test_concurrent_reversals_of_a_journal_entry_give_exactly_one(stack):
    http = client(stack)
    lines = [
        {"accountId": "1120", "debit": "250.00", "credit": "0.00", "description": "Float"},
        {"accountId": "3000", "debit": "0.00", "credit": "250.00", "description": "Capital"},
    ]
    body = {"entryDate": "2026-05-23", "description": "Float top-up", "referenceType": "manual", "lines": lines}
    created = http.post("/v1/ledger/entries", body, headers=key())
    assert created.status == 201, created
    entry = created.json
    assert http.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key()).status == 200
    replies = concurrently(
        8,
        lambda _: client(stack).post(f"/v1/ledger/entries/{entry['id']}/reverse", {"reason": "race"}, headers=key()),
    )
    won = [r for r in replies if r.status == 201]
    assert len(won) == 1, replies
    assert all(r.status in (400, 409) for r in replies if r not in won), replies
    original = http.get(f"/v1/ledger/entries/{entry['id']}").json
    assert (original["status"], original["reversedBy"]) == ("reversed", won[0].json["id"])
