"""Disbursement through the API: payment methods, deductions and their ledger lines, funds,
undo-disbursal, schedules and idempotency."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lms import clock
from tests.support.data import approved_loan, loan_body, new_customer, weekly_kes_product


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def disburse(client, loan_id, headers=None, **body):
    payload = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000, **body}
    return client.post(f"/v1/loans/{loan_id}/disburse", payload, headers=headers or key())


def lines_of(entry) -> list[tuple[str, Decimal, Decimal]]:
    return [(x["accountId"], x["debit"], x["credit"]) for x in entry["lines"]]


def balance(client, account) -> Decimal:
    return client.get(f"/v1/ledger/accounts/{account}/balance").json["balance"]


@pytest.fixture
def funded(seeded, drain):
    drain()


def test_worked_example_disbursement(operator, admin, drain, funded):
    loan = approved_loan(operator)
    reply = disburse(operator, loan["id"])
    assert reply.status == 200, reply
    body = reply.json
    assert body["status"] == "DISBURSED"
    assert body["loan"]["status"] == "Active"
    assert body["disbursementDetails"]["totalLoanAmount"] == {
        "value": Decimal("10000.00"),
        "formatted": "10,000.00",
        "display": "TZS 10,000.00",
    }
    assert body["disbursementDetails"]["disbursedAmount"]["value"] == Decimal("9764.00")
    assert body["deductions"]["charges"]["value"] == Decimal("200.00")
    assert body["deductions"]["vat"]["value"] == Decimal("36.00")
    assert [item["type"] for item in body["deductions"]["breakdown"]] == ["charge", "tax"]
    # Committed, owed to the borrower: the payout provider pays it out after the answer.
    assert body["paymentInfo"] == {"method": "CASH", "reference": f"CASH-{loan['id']}-1", "status": "PENDING"}
    assert body["repaymentInfo"] == {
        "frequency": "WEEKLY",
        "installmentAmount": {"value": Decimal("11100.00"), "formatted": "11,100.00", "display": "TZS 11,100.00"},
        "totalInstallments": 1,
        "firstPaymentDate": "2026-05-30",
    }
    assert body["controlNumbers"][0]["type"] == "REPAYMENT"
    assert body["loan"]["summary"]["totalOutstanding"] == Decimal("11100.00")
    drain()  # the ledger's projection, and the payout (the sandbox pays at once)
    entry, payout = admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json["entries"]
    assert lines_of(entry) == [
        ("1200", Decimal("10000.00"), Decimal("0.00")),
        ("2400", Decimal("0.00"), Decimal("9764.00")),
        ("4200", Decimal("0.00"), Decimal("200.00")),
        ("2100", Decimal("0.00"), Decimal("36.00")),
    ]
    assert lines_of(payout) == [
        ("2400", Decimal("9764.00"), Decimal("0.00")),
        ("1100", Decimal("0.00"), Decimal("9764.00")),
    ]
    assert payout["referenceType"] == "payout"
    assert entry["referenceType"] == "disbursement"
    assert balance(admin, "1100") == Decimal("9990236.00")
    assert balance(admin, "1200") == Decimal("10000.00")
    assert balance(admin, "2400") == Decimal("0.00")
    trial = admin.get("/v1/ledger/trial-balance").json
    assert trial["totalDebits"] == trial["totalCredits"]


@pytest.mark.parametrize(
    ("method", "details", "account"),
    [
        ("CASH", {"depositAccount": "CASH001", "cashierId": "EMP001", "branchCode": "BR001"}, "1100"),
        ("NBC_ACCOUNT", {"accountNumber": "01J1234567890", "accountHolderName": "Ada Lovelace"}, "1110"),
        ("TIPS_MNO", {"phoneNumber": "255712345678", "mnoProvider": "MPESA"}, "1120"),
        ("TIPS_BANK", {"bankCode": "CRDB", "bankAccount": "0150123456789", "bankAccountHolderName": "Ada"}, "1130"),
    ],
)
def test_each_rail_pays_out_of_its_account(operator, admin, drain, funded, method, details, account):
    loan = approved_loan(operator)
    reply = disburse(operator, loan["id"], paymentMethod=method, paymentDetails=details, narration="Stock")
    assert reply.status == 200, reply
    assert reply.json["paymentInfo"]["method"] == method
    drain()
    _, payout = admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json["entries"]
    assert lines_of(payout) == [
        ("2400", Decimal("9764.00"), Decimal("0.00")),
        (account, Decimal("0.00"), Decimal("9764.00")),
    ]


def test_missing_phone_number_is_a_field_error(operator, funded):
    loan = approved_loan(operator)
    reply = disburse(operator, loan["id"], paymentMethod="TIPS_MNO", paymentDetails={"mnoProvider": "MPESA"})
    assert reply.status == 400
    assert reply.json["details"] == [
        {"field": "paymentDetails.phoneNumber", "message": "Phone number is required for mobile money transfers"}
    ]
    assert operator.get(f"/v1/loans/{loan['id']}").json["status"] == "Approved"
    unknown = disburse(operator, loan["id"], paymentMethod="PAYPAL")
    assert unknown.json["details"][0]["field"] == "paymentMethod"


def test_validate_only_checks_everything_and_writes_nothing(operator, admin, drain, funded):
    loan = approved_loan(operator)
    reply = operator.post(
        f"/v1/loans/{loan['id']}/disburse",
        {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000, "validateOnly": True},
    )
    assert reply.status == 200, reply
    assert reply.json["validationStatus"] == "PASSED"
    assert reply.json["message"] == "Loan validated successfully. Ready for disbursement."
    assert reply.json["loanDetails"] == {
        "clientNumber": loan["customerId"],
        "loanAmount": Decimal("10000.00"),
        "loanType": "NEW",
        "status": "APPROVED",
    }
    assert reply.json["disbursementDetails"]["disbursedAmount"]["value"] == Decimal("9764.00")
    drain()
    after = operator.get(f"/v1/loans/{loan['id']}").json
    assert (after["status"], after["version"]) == ("Approved", loan["version"])
    assert admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json["entries"] == []
    bad = operator.post(
        f"/v1/loans/{loan['id']}/disburse",
        {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10001, "validateOnly": True},
    )
    assert bad.status == 400


def test_insufficient_funds_is_402_and_writes_nothing(admin, operator, drain, funded):
    product = weekly_kes_product(admin)
    customer = new_customer(operator)
    loan = operator.post(
        "/v1/loans",
        {
            **loan_body(customer["id"], productId=int(product["id"]), principal=5000),
            "numberOfRepayments": 4,
            "loanTermFrequency": 4,
            "repaymentEvery": 1,
            "repaymentFrequencyType": 1,
            "loanTermFrequencyType": 1,
            "interestRatePerPeriod": 2,
        },
    ).json
    operator.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-23"})
    reply = disburse(operator, loan["id"], transactionAmount=5000)
    assert reply.status == 402
    assert (reply.json["code"], reply.json["reason"]) == ("failed_precondition", "INSUFFICIENT_FUNDS")
    assert operator.get(f"/v1/loans/{loan['id']}").json["status"] == "Approved"
    admin.post(
        "/v1/ledger/entries",
        {
            "entryDate": "2026-05-01",
            "description": "KES float",
            "lines": [{"accountId": "1100-KES", "debit": 5000}, {"accountId": "3000-KES", "credit": 5000}],
        },
        headers=key(),
    )
    entry = admin.get("/v1/ledger/entries", query={"status": "draft"}).json["items"][0]
    admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key())
    drain()
    assert disburse(operator, loan["id"], transactionAmount=5000).status == 200


def test_state_and_date_errors(operator, funded):
    loan = approved_loan(operator)
    assert disburse(operator, loan["id"]).status == 200
    again = disburse(operator, loan["id"])
    assert (again.status, again.json["message"], again.json["reason"]) == (
        400,
        "Loan Account is not in approved and not disbursed state",
        "LOAN_ALREADY_DISBURSED",
    )
    missing = disburse(operator, 424242)
    assert (missing.status, missing.json["reason"]) == (404, "LOAN_NOT_FOUND")
    other = approved_loan(operator)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    future = disburse(operator, other["id"], actualDisbursementDate=tomorrow)
    assert (future.status, future.json["code"]) == (403, "permission_denied")
    assert future.json["message"] == "The transaction date cannot be in the future."
    early = disburse(operator, other["id"], actualDisbursementDate="2026-05-22")
    assert early.status == 403
    malformed = disburse(operator, other["id"], actualDisbursementDate="23/05/2026")
    assert (malformed.status, malformed.json["details"][0]["field"]) == (400, "actualDisbursementDate")


def test_undo_disbursal_reverses_every_entry(operator, admin, drain, funded):
    loan = approved_loan(operator)
    disburse(
        operator,
        loan["id"],
        paymentMethod="TIPS_MNO",
        paymentDetails={"phoneNumber": "255712345678", "mnoProvider": "MPESA"},
    )
    drain()
    before_cash = balance(admin, "1120")
    reply = operator.post(f"/v1/loans/{loan['id']}/undo-disbursal", {"note": "wrong wallet"}, headers=key())
    assert reply.status == 200, reply
    assert reply.json["status"] == "Approved"
    assert reply.json["disbursedOnDate"] is None
    assert reply.json["summary"]["principalDisbursed"] == Decimal("0.00")
    drain()
    ledger = admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json
    original, payout, *reversals = ledger["entries"]
    assert [e["referenceType"] for e in (original, payout)] == ["disbursement", "payout"]
    assert {(e["status"], e["reversedBy"]) for e in (original, payout)} == {("reversed", r["id"]) for r in reversals}
    assert sorted(r["reverses"] for r in reversals) == sorted([original["id"], payout["id"]])
    assert all(a["netDebit"] == 0 for a in ledger["accounts"])
    assert balance(admin, "1120") == before_cash + Decimal("9764.00")
    assert balance(admin, "1200") == Decimal("0.00")
    again = disburse(operator, loan["id"])
    assert again.status == 200
    assert again.json["transactionId"] == f"DISB-{loan['id']}-2"
    pending = operator.post(f"/v1/loans/{loan['id']}/undo-disbursal", headers=key())
    assert (pending.status, pending.json["reason"]) == (400, "PAYOUT_PENDING")
    drain()
    undo_twice = operator.post(f"/v1/loans/{loan['id']}/undo-disbursal", headers=key())
    assert undo_twice.status == 200
    undo_approved = operator.post(f"/v1/loans/{loan['id']}/undo-disbursal", headers=key())
    assert (undo_approved.status, undo_approved.json["code"]) == (400, "failed_precondition")


def test_schedule_before_and_after_disbursement(operator, funded):
    loan = approved_loan(operator)
    expected = operator.get(f"/v1/loans/{loan['id']}/schedule").json
    assert expected["disbursed"] is False
    assert [(i["dueDate"], i["principalDue"], i["interestDue"]) for i in expected["installments"]] == [
        ("2026-05-30", Decimal("10000.00"), Decimal("1100.00"))
    ]
    assert expected["totals"]["totalOutstanding"] == Decimal("11100.00")
    disburse(operator, loan["id"], actualDisbursementDate="2026-05-25")
    actual = operator.get(f"/v1/loans/{loan['id']}/schedule").json
    assert actual["disbursed"] is True
    assert actual["installments"][0]["dueDate"] == "2026-06-01"
    assert actual["installments"][0]["totalDue"] == Decimal("11100.00")


def test_terms_override_the_product_within_bounds(operator, funded):
    customer = new_customer(operator)
    body = loan_body(customer["id"], numberOfRepayments=4, loanTermFrequency=28, interestRatePerPeriod=5)
    loan = operator.post("/v1/loans", body).json
    schedule = operator.get(f"/v1/loans/{loan['id']}/schedule").json
    assert [i["interestDue"] for i in schedule["installments"]] == [Decimal("500.00")] * 4
    assert [i["principalDue"] for i in schedule["installments"]] == [Decimal("2500.00")] * 4
    assert [i["dueDate"] for i in schedule["installments"]] == ["2026-05-30", "2026-06-06", "2026-06-13", "2026-06-20"]


def test_idempotent_disbursement(operator, funded):
    loan = approved_loan(operator)
    headers = {"Idempotency-Key": "disburse-once"}
    first = disburse(operator, loan["id"], headers=headers)
    replay = disburse(operator, loan["id"], headers=headers)
    assert (first.status, replay.status) == (200, 200)
    assert replay.raw == first.raw
    assert replay.headers["Idempotent-Replayed"] == "true"
    different = disburse(operator, loan["id"], headers=headers, narration="changed")
    assert (different.status, different.json["reason"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    missing = operator.post(
        f"/v1/loans/{loan['id']}/disburse", {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    )
    assert (missing.status, missing.json["details"][0]["field"]) == (400, "Idempotency-Key")
    assert operator.get(f"/v1/loans/{loan['id']}").json["version"] == first.json["loan"]["version"]


def test_keys_are_scoped_to_the_api_key(operator, admin, funded):
    first_loan, second_loan = approved_loan(operator), approved_loan(operator)
    headers = {"Idempotency-Key": "shared-by-two-callers"}
    assert disburse(operator, first_loan["id"], headers=headers).status == 200
    assert disburse(admin, second_loan["id"], headers=headers).status == 200
