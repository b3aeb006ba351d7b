"""POST /v1/loans/bulk-disburse: up to 100 disbursements, each succeeding or failing on its own,
idempotent as a whole and per item (issue 11)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.data import approved_loan, key, submitted_loan

ON = "2026-05-23"


@pytest.fixture
def funded(seeded, drain):
    drain()


def item(loan_id, **overrides) -> dict:
    return {"loanId": loan_id, "actualDisbursementDate": ON, "transactionAmount": 10000, **overrides}


def test_a_hundred_items_with_mixed_failures(operator, funded):
    loans = [approved_loan(operator)["id"] for _ in range(98)]
    items = [item(lid) for lid in loans[:94]]
    special = {
        10: item(loans[3]),  # a loan an earlier item disbursed: already disbursed
        20: item(999_999),  # no such loan
        30: item(loans[94], transactionAmount=20000),  # more than approved
        40: item(loans[95], paymentMethod="TIPS_MNO", paymentDetails={"phoneNumber": "12"}),  # bad phone
        50: item(loans[96], actualDisbursementDate="2099-01-01"),  # in the future
        60: item(loans[97], validateOnly=True),  # a validation run: succeeds, disburses nothing
    }
    for index, body in sorted(special.items()):
        items.insert(index, body)
    assert len(items) == 100
    reply = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=key())
    assert reply.status == 200, reply
    body = reply.json
    results = body["results"]
    assert [r["index"] for r in results] == list(range(100))
    assert [r["loanId"] for r in results] == [str(i["loanId"]) for i in items]
    refused = {r["index"]: r["error"] for r in results if not r["success"]}
    assert sorted(refused) == [10, 20, 30, 40, 50]
    assert body["summary"] == {"total": 100, "successful": 95, "failed": 5}
    assert body["message"] == "Processed 95 successful and 5 failed disbursements"
    assert refused[10]["reason"] == "LOAN_ALREADY_DISBURSED", refused[10]
    assert refused[20]["status"] == 404 and refused[20]["code"] == "not_found"
    assert refused[30]["status"] == 400 and refused[30]["details"][0]["field"] == "transactionAmount"
    assert refused[40]["status"] == 400 and refused[40]["details"][0]["field"] == "paymentDetails.phoneNumber"
    assert refused[50]["status"] == 403 and refused[50]["reason"] == "DATE_IN_FUTURE"
    assert results[60]["success"] and results[60]["data"]["validationStatus"] == "PASSED"
    disbursed = [r for r in results if r["success"] and r["index"] != 60]
    assert len(disbursed) == 94
    for result in disbursed:
        assert result["data"]["status"] == "DISBURSED"
        assert result["data"]["loanId"] == result["loanId"]
        assert result["data"]["disbursementDetails"]["totalLoanAmount"]["value"] == Decimal(10000)
        loan = operator.get(f"/v1/loans/{result['loanId']}").json
        assert loan["status"] == "Active"
        assert loan["summary"]["principalDisbursed"] == Decimal(10000)
    for lid in loans[94:]:
        assert operator.get(f"/v1/loans/{lid}").json["status"] == "Approved"


def test_an_item_that_fails_validation_fails_alone_as_the_single_route_would(operator, funded):
    first, second, fourth = (approved_loan(operator)["id"] for _ in range(3))
    bad_amount = item(fourth, transactionAmount=-5)
    items = [item(first), item(second), item("no-such-loan"), bad_amount, "not an object", {"loanId": {"x": 1}}]
    reply = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=key())
    assert reply.status == 200, reply
    body = reply.json
    assert body["summary"] == {"total": 6, "successful": 2, "failed": 4}
    results = body["results"]
    assert [(r["index"], r["loanId"], r["success"]) for r in results] == [
        (0, str(first), True),
        (1, str(second), True),
        (2, "no-such-loan", False),
        (3, str(fourth), False),
        (4, None, False),
        (5, None, False),
    ]
    for lid in (first, second):
        assert operator.get(f"/v1/loans/{lid}").json["status"] == "Active"
    assert operator.get(f"/v1/loans/{fourth}").json["status"] == "Approved"
    assert results[2]["error"] == {
        "status": 400,
        "code": "invalid_argument",
        "message": "Validation errors exist. [loanId: must be a positive integer id]",
        "reason": None,
        "details": [{"field": "loanId", "message": "must be a positive integer id"}],
    }
    # The error of a bad body is the single route's own, envelope for envelope.
    single = operator.post(
        f"/v1/loans/{fourth}/disburse", {k: v for k, v in bad_amount.items() if k != "loanId"}, headers=key()
    )
    assert single.status == 400, single
    assert results[3]["error"] == {"status": 400, "reason": None, **single.json}
    not_an_object = operator.post(f"/v1/loans/{fourth}/disburse", raw=b'"not an object"', headers=key())
    assert results[4]["error"] == {"status": 400, "reason": None, **not_an_object.json}
    assert {"field": "loanId", "message": "must be a positive integer id"} in results[5]["error"]["details"]
    # What is not a list of 1 to 100 items is the request's error.
    for disbursements in ("not a list", [], {"loanId": first}):
        whole = operator.post("/v1/loans/bulk-disburse", {"disbursements": disbursements}, headers=key())
        assert (whole.status, whole.json["details"][0]["field"]) == (400, "disbursements"), whole


def test_more_than_a_hundred_items_is_refused_and_changes_nothing(operator, funded):
    lid = approved_loan(operator)["id"]
    reply = operator.post("/v1/loans/bulk-disburse", {"disbursements": [item(lid)] * 101}, headers=key())
    assert reply.status == 400, reply
    assert reply.json["code"] == "invalid_argument"
    assert reply.json["details"][0]["field"] == "disbursements"
    assert "100" in reply.json["details"][0]["message"]
    assert operator.get(f"/v1/loans/{lid}").json["status"] == "Approved"
    empty = operator.post("/v1/loans/bulk-disburse", {"disbursements": []}, headers=key())
    assert empty.status == 400 and empty.json["details"][0]["field"] == "disbursements"
    unkeyed = operator.post("/v1/loans/bulk-disburse", {"disbursements": [item(lid)]})
    assert unkeyed.status == 400 and unkeyed.json["reason"] == "IDEMPOTENCY_KEY_REQUIRED"


def test_a_retried_bulk_disburses_nothing_twice(operator, funded):
    first, second = approved_loan(operator)["id"], approved_loan(operator)["id"]
    headers = key()
    items = [item(first), item(second)]
    reply = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=headers)
    assert reply.status == 200 and reply.json["summary"]["successful"] == 2, reply
    again = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=headers)
    assert (again.status, again.raw) == (reply.status, reply.raw)
    assert again.headers["Idempotent-Replayed"] == "true"
    # The function died after the first item's commit, before the request's answer was stored:
    # the retry (same key, same body) finds the item's receipt and runs only what was not done.
    third = approved_loan(operator)["id"]
    fourth = submitted_loan(operator)["id"]  # not approved yet: its item fails the first time
    lost = key()
    items = [item(third), item(fourth)]
    one = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=lost)
    assert one.status == 200 and [r["success"] for r in one.json["results"]] == [True, False], one
    assert operator.post(f"/v1/loans/{fourth}/approve", {"approvedOnDate": ON}).status == 200
    _forget_bulk_answer()
    retried = operator.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=lost)
    assert retried.status == 200, retried
    assert retried.headers["Idempotent-Replayed"] == "false"
    assert [r["success"] for r in retried.json["results"]] == [True, True]
    assert retried.json["results"][0]["data"] == one.json["results"][0]["data"]  # its answer, replayed
    for lid in (third, fourth):
        transactions = operator.get(f"/v1/loans/{lid}/transactions").json["items"]
        assert [t["type"] for t in transactions].count("Disbursement") == 1


def _forget_bulk_answer() -> None:
    """What a function that timed out leaves: the items' receipts, but no stored answer for the
    request (Powertools' record, keyed by a hash of the key: found here by the answer it holds)."""
    from lms.config import get_settings
    from lms.storage.dynamo import client

    table = get_settings().idempotency_table_name
    records = client("dynamodb").scan(TableName=table)["Items"]  # test-only inspection of moto's table
    lost = [r for r in records if "Processed 1 successful and 1 failed" in r.get("data", {}).get("S", "")]
    assert len(lost) == 1
    client("dynamodb").delete_item(TableName=table, Key={"id": lost[0]["id"]})
