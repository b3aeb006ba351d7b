"""GET /v1/disbursements/{transactionId} (issue 11): a disbursement's status, found with one read
of its loan by the transaction id every disbursement answers."""

from __future__ import annotations

import pytest

from tests.support.data import approved_loan, key


@pytest.fixture
def funded(seeded, drain):
    drain()


def test_a_disbursement_then_undone_then_disbursed_again(operator, viewer, admin, funded):
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
    assert status.json["status"] == "COMPLETED"
    assert status.json["amount"] == disbursed.json["disbursementDetails"]["disbursedAmount"]["value"]
    assert status.json["paymentMethod"] == "TIPS_MNO"
    assert status.json["createdAt"] == status.json["updatedAt"]

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
    assert (second["status"], second["paymentMethod"], second["amount"]) == ("COMPLETED", "CASH", net)
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
