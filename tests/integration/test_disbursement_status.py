"""GET /v1/disbursements/{transactionId} (issue 11): a disbursement's status, found with one read
of its loan by the transaction id every disbursement answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.data import approved_loan, key


@pytest.fixture
def funded(seeded, drain):
    drain()


def test_a_disbursement_then_undone_then_disbursed_again(operator, viewer, admin, drain, funded):
    loan = approved_loan(operator)
    lid = loan["id"]
    body = {
        "actualDisbursementDate": "2026-05-23",
        "transactionAmount": 10000,
        "paymentMethod": "TIPS_MNO",
        "paymentDetails": {"phoneNumber": "255712345678", "mnoProvider": "MPESA"},
    }
    disbursed = operator.post(f"/v1/loans/{lid}/disburse", body, headers=key())
    assert disbursed.status == 200, disbursed
    reference = disbursed.json["transactionId"]
    assert reference == f"DISB-{lid}-1"
    status = viewer.get(f"/v1/disbursements/{reference}")
    assert status.status == 200, status
    assert status.json["transactionId"] == reference and status.json["loanId"] == lid
    assert (status.json["status"], status.json["attempt"]) == ("PENDING", 1)  # the payout is not made yet
    assert status.json["createdAt"] == status.json["updatedAt"]
    drain()  # the payout worker asks the sandbox provider, which pays at once
    status = viewer.get(f"/v1/disbursements/{reference}")
    assert (status.json["status"], status.json["attempt"], status.json["failureReason"]) == ("COMPLETED", 1, None)
    assert status.json["amount"] == disbursed.json["disbursementDetails"]["disbursedAmount"]["value"]
    assert status.json["paymentMethod"] == "TIPS_MNO"
    assert status.json["updatedAt"] > status.json["createdAt"]

    undone = operator.post(f"/v1/loans/{lid}/undo-disbursal", {"note": "wrong wallet"}, headers=key())
    assert undone.status == 200, undone
    after = viewer.get(f"/v1/disbursements/{reference}").json
    assert after["status"] == "REVERSED"
    assert after["amount"] == status.json["amount"] and after["createdAt"] == status.json["createdAt"]
    assert after["updatedAt"] >= after["createdAt"]

    cash = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    again = operator.post(f"/v1/loans/{lid}/disburse", cash, headers=key())
    assert again.status == 200, again
    second = viewer.get(f"/v1/disbursements/{again.json['transactionId']}").json
    assert second["transactionId"] == f"DISB-{lid}-2"
    net = again.json["disbursementDetails"]["disbursedAmount"]["value"]
    assert (second["status"], second["paymentMethod"], second["amount"]) == ("PENDING", "CASH", net)
    drain()
    second = viewer.get(f"/v1/disbursements/{again.json['transactionId']}").json
    assert second["status"] == "COMPLETED"
    assert viewer.get(f"/v1/disbursements/{reference}").json["status"] == "REVERSED"


@pytest.mark.parametrize(
    "reference", ["DISB-999999-1", "DISB-1-999", "DISB-1-2", "nope", "DISB-01-1", "DISB--1", "x" * 64]
)
def test_unknown_or_malformed_transaction_ids_are_not_found(viewer, operator, funded, reference):
    loan = approved_loan(operator)  # loan 1 exists, with no disbursement yet
    assert loan["id"] == "1"
    reply = viewer.get(f"/v1/disbursements/{reference}")
    assert reply.status == 404, reply
    assert reply.json["reason"] == "DISBURSEMENT_NOT_FOUND"


def test_a_transaction_id_longer_than_any_is_refused(viewer, funded):
    reply = viewer.get(f"/v1/disbursements/{'x' * 65}")
    assert reply.status == 400 and reply.json["details"][0]["field"] == "transactionId"


def balance(client, account):
    return client.get(f"/v1/ledger/accounts/{account}/balance").json["balance"]


def test_a_payout_that_fails_is_retried_by_an_operator(operator, viewer, admin, drain, funded):
    """Sandbox rule: a payment detail ending 0001 fails on the first attempt, pays on the next."""
    loan = approved_loan(operator)
    lid = loan["id"]
    body = {
        "actualDisbursementDate": "2026-05-23",
        "transactionAmount": 10000,
        "paymentMethod": "TIPS_MNO",
        "paymentDetails": {"phoneNumber": "255712340001", "mnoProvider": "MPESA"},
    }
    disbursed = operator.post(f"/v1/loans/{lid}/disburse", body, headers=key())
    reference = disbursed.json["transactionId"]
    assert disbursed.json["paymentInfo"]["status"] == "PENDING"
    float_before = balance(admin, "1120")
    drain()
    failed = viewer.get(f"/v1/disbursements/{reference}").json
    assert (failed["status"], failed["attempt"]) == ("FAILED", 1)
    assert failed["failureReason"].startswith("RECIPIENT_UNREACHABLE")
    # Nothing left the float; the borrower is owed the net amount, visibly.
    assert balance(admin, "1120") == float_before
    assert balance(admin, "2400") == Decimal("9764.00")
    assert operator.get(f"/v1/loans/{lid}").json["status"] == "Active"

    assert viewer.post(f"/v1/disbursements/{reference}/retry", headers=key()).status == 403
    no_key = operator.post(f"/v1/disbursements/{reference}/retry")
    assert (no_key.status, no_key.json["details"][0]["field"]) == (400, "Idempotency-Key")
    retry_key = key()
    retried = operator.post(f"/v1/disbursements/{reference}/retry", headers=retry_key)
    assert retried.status == 200, retried
    assert (retried.json["status"], retried.json["attempt"], retried.json["failureReason"]) == ("PENDING", 2, None)
    replayed = operator.post(f"/v1/disbursements/{reference}/retry", headers=retry_key)
    assert (replayed.status, replayed.json) == (200, retried.json)
    again = operator.post(f"/v1/disbursements/{reference}/retry", headers=key())
    assert (again.status, again.json["reason"]) == (400, "PAYOUT_NOT_FAILED")

    drain()
    paid = viewer.get(f"/v1/disbursements/{reference}").json
    assert (paid["status"], paid["attempt"]) == ("COMPLETED", 2)
    assert balance(admin, "1120") == float_before - Decimal("9764.00")
    assert balance(admin, "2400") == Decimal("0.00")
    assert [(a["attempt"], a["status"], a["reason"]) for a in paid["attempts"]] == [
        (1, "FAILED", failed["failureReason"]),
        (2, "COMPLETED", None),
    ]
    assert paid["attempts"][1]["providerReference"] == f"SBX-{reference}#2"
    unknown = operator.post("/v1/disbursements/DISB-999999-1/retry", headers=key())
    assert (unknown.status, unknown.json["reason"]) == (404, "DISBURSEMENT_NOT_FOUND")


def test_a_payout_that_always_fails_stays_owed_until_the_disbursal_is_undone(operator, viewer, admin, drain, funded):
    loan = approved_loan(operator)
    lid = loan["id"]
    body = {
        "actualDisbursementDate": "2026-05-23",
        "transactionAmount": 10000,
        "paymentMethod": "NBC_ACCOUNT",
        "paymentDetails": {"accountNumber": "01J1234560002", "accountHolderName": "Ada Lovelace"},
    }
    reference = operator.post(f"/v1/loans/{lid}/disburse", body, headers=key()).json["transactionId"]
    drain()
    assert viewer.get(f"/v1/disbursements/{reference}").json["failureReason"].startswith("ACCOUNT_CLOSED")
    operator.post(f"/v1/disbursements/{reference}/retry", headers=key())
    drain()
    failed = viewer.get(f"/v1/disbursements/{reference}").json
    assert (failed["status"], failed["attempt"]) == ("FAILED", 2)
    assert balance(admin, "2400") == Decimal("9764.00")
    undone = operator.post(f"/v1/loans/{lid}/undo-disbursal", headers=key())
    assert undone.status == 200, undone
    drain()
    assert balance(admin, "2400") == Decimal("0.00")
    assert viewer.get(f"/v1/disbursements/{reference}").json["status"] == "REVERSED"
