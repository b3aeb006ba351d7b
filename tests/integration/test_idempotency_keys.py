"""An Idempotency-Key belongs to one request (issue 26, cases 7 and 9): its fingerprint is what the
request means, not how it is written; the same key on another route, another loan or with another
body is 422 wherever it is sent; and it answers for exactly the idempotency window."""

from __future__ import annotations

import datetime as real_datetime
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from lms import clock
from lms.config import get_settings
from tests.support.data import active_loan, approved_loan, key

PAYMENT = '{"transactionDate": "2026-05-23", "transactionAmount": 150, "paymentTypeId": 1, "receiptNumber": "R-1"}'
ENTRY = {
    "entryDate": "2026-05-23",
    "description": "Owner top-up",
    "referenceType": "manual",
    "lines": [
        {"accountId": "1120", "debit": "500.00", "credit": "0.00", "description": "Float"},
        {"accountId": "3000", "debit": "0.00", "credit": "500.00", "description": "Capital"},
    ],
}


@pytest.fixture
def funded(seeded, drain):
    drain()


def post_raw(client, path: str, text: str, headers: dict):
    return client.post(path, raw=text.encode(), headers={"Content-Type": "application/json", **headers})


def repayments(client, loan_id) -> list[dict]:
    items = client.get(f"/v1/loans/{loan_id}/transactions").json["items"]
    return [t for t in items if t["type"] == "Repayment"]


def refused_as_reused(reply) -> bool:
    return (reply.status, reply.json["code"], reply.json["reason"]) == (
        422,
        "invalid_argument",
        "IDEMPOTENCY_KEY_REUSED",
    )


def test_a_retry_written_differently_is_the_same_request(operator, funded):
    loan = active_loan(operator)["id"]
    headers = key()
    path = f"/v1/loans/{loan}/repayments"
    first = post_raw(operator, path, PAYMENT, headers)
    assert first.status == 200, first
    rewritten = [
        PAYMENT.replace("150", "150.00"),
        PAYMENT.replace("150", "1.5E2"),
        json.dumps(dict(reversed(list(json.loads(PAYMENT).items()))), separators=(",", ":")),
    ]
    for text in rewritten:
        again = post_raw(operator, path, text, headers)
        assert (again.status, again.raw) == (200, first.raw), (text, again)
        assert again.headers["Idempotent-Replayed"] == "true"
    assert [t["id"] for t in repayments(operator, loan)] == [first.json["id"]]
    other = post_raw(operator, path, PAYMENT.replace("150", "150.01"), headers)
    assert refused_as_reused(other), other


def test_a_key_is_refused_on_another_loan_route_and_on_another_loan(operator, funded):
    loan, other_loan = active_loan(operator)["id"], active_loan(operator)["id"]
    headers = key()
    assert post_raw(operator, f"/v1/loans/{loan}/repayments", PAYMENT, headers).status == 200
    charge = {"name": "Late penalty", "chargeType": "penalty", "amount": 25, "dueDate": "2026-06-01"}
    on_charges = operator.post(f"/v1/loans/{loan}/charges", charge, headers=headers)
    assert refused_as_reused(on_charges), on_charges
    assert operator.get(f"/v1/loans/{loan}/charges").json["items"] == []
    elsewhere = post_raw(operator, f"/v1/loans/{other_loan}/repayments", PAYMENT, headers)
    assert refused_as_reused(elsewhere), elsewhere
    assert repayments(operator, other_loan) == []
    # A key first used for a disbursement is taken for repayments of any loan too.
    approved = approved_loan(operator)["id"]
    disbursing = key()
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    assert operator.post(f"/v1/loans/{approved}/disburse", body, headers=disbursing).status == 200
    repaying = post_raw(operator, f"/v1/loans/{other_loan}/repayments", PAYMENT, disbursing)
    assert refused_as_reused(repaying), repaying
    assert repayments(operator, other_loan) == []


def test_a_key_is_refused_between_loan_and_journal_entry_routes(operator, admin, funded):
    # Both keys belong to one API key (admin), as a key's Idempotency-Keys are its own.
    loan = active_loan(admin)["id"]
    entries = admin.get("/v1/ledger/entries").json["total"]
    first = key()
    assert post_raw(admin, f"/v1/loans/{loan}/repayments", PAYMENT, first).status == 200
    entry = admin.post("/v1/ledger/entries", ENTRY, headers=first)
    assert refused_as_reused(entry), entry
    assert admin.get("/v1/ledger/entries").json["total"] == entries
    second = key()
    created = admin.post("/v1/ledger/entries", ENTRY, headers=second)
    assert created.status == 201, created
    repaid = post_raw(admin, f"/v1/loans/{loan}/repayments", PAYMENT.replace("R-1", "R-2"), second)
    assert refused_as_reused(repaid), repaid
    assert len(repayments(admin, loan)) == 1
    posted = admin.post(f"/v1/ledger/entries/{created.json['id']}/post", headers=second)
    assert refused_as_reused(posted), posted
    assert admin.get(f"/v1/ledger/entries/{created.json['id']}").json["status"] == "draft"
    # The same key, the same request: replayed as ever.
    replay = admin.post("/v1/ledger/entries", ENTRY, headers=second)
    assert (replay.status, replay.raw, replay.headers["Idempotent-Replayed"]) == (201, created.raw, "true")


def test_a_bulk_request_key_is_refused_on_the_single_route(operator, funded):
    first, second = approved_loan(operator)["id"], approved_loan(operator)["id"]
    headers = key()
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    bulk = operator.post("/v1/loans/bulk-disburse", {"disbursements": [{"loanId": first, **body}]}, headers=headers)
    assert bulk.status == 200 and bulk.json["summary"]["successful"] == 1, bulk
    single = operator.post(f"/v1/loans/{second}/disburse", body, headers=headers)
    assert refused_as_reused(single), single
    assert operator.get(f"/v1/loans/{second}").json["status"] == "Approved"


class ControlledClock:
    """lms.clock, and the clock Powertools' idempotency reads, at a time the test sets."""

    def __init__(self, monkeypatch, start: datetime):
        self.at = start
        monkeypatch.setattr(clock, "now", lambda: self.at)
        outer = self

        class Datetime(real_datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.fromtimestamp(outer.at.timestamp(), tz)

        fake = SimpleNamespace(datetime=Datetime, timedelta=real_datetime.timedelta)
        from aws_lambda_powertools.utilities.idempotency import base
        from aws_lambda_powertools.utilities.idempotency.persistence import base as persistence_base
        from aws_lambda_powertools.utilities.idempotency.persistence import datarecord, dynamodb

        for module in (base, persistence_base, datarecord, dynamodb):
            monkeypatch.setattr(module, "dt", fake)

    def move(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def test_a_loan_receipt_answers_for_exactly_the_window(operator, funded, monkeypatch):
    loan = active_loan(operator)["id"]
    window = get_settings().idempotency_ttl_seconds
    time = ControlledClock(monkeypatch, datetime(2026, 12, 1, 10, 0, 0, 250_000, tzinfo=UTC))
    headers = key()
    path = f"/v1/loans/{loan}/repayments"
    first = post_raw(operator, path, PAYMENT, headers)
    assert first.status == 200, first
    time.move(window - 1)
    within = post_raw(operator, path, PAYMENT, headers)
    assert (within.raw, within.headers["Idempotent-Replayed"]) == (first.raw, "true")
    assert refused_as_reused(post_raw(operator, path, PAYMENT.replace("R-1", "R-9"), headers))
    time.move(1)  # 24 hours after the first: a new request, a second repayment
    after = post_raw(operator, path, PAYMENT, headers)
    assert (after.status, after.headers["Idempotent-Replayed"]) == (200, "false"), after
    assert after.json["id"] != first.json["id"]
    assert [t["id"] for t in repayments(operator, loan)] == [first.json["id"], after.json["id"]]
    time.move(window - 1)  # and the new request has a window of its own
    replay = post_raw(operator, path, PAYMENT, headers)
    assert (replay.raw, replay.headers["Idempotent-Replayed"]) == (after.raw, "true")
    assert len(repayments(operator, loan)) == 2


def test_a_journal_entry_key_answers_for_exactly_the_window(admin, monkeypatch):
    window = get_settings().idempotency_ttl_seconds
    time = ControlledClock(monkeypatch, datetime(2026, 12, 1, 10, 0, 0, 250_000, tzinfo=UTC))
    entries = admin.get("/v1/ledger/entries").json["total"]
    headers = key()
    first = admin.post("/v1/ledger/entries", ENTRY, headers=headers)
    assert first.status == 201, first
    time.move(window - 1)
    within = admin.post("/v1/ledger/entries", ENTRY, headers=headers)
    assert (within.raw, within.headers["Idempotent-Replayed"]) == (first.raw, "true")
    time.move(1)
    after = admin.post("/v1/ledger/entries", ENTRY, headers=headers)
    assert (after.status, after.headers["Idempotent-Replayed"]) == (201, "false"), after
    assert after.json["id"] != first.json["id"]
    assert admin.get("/v1/ledger/entries").json["total"] == entries + 2
