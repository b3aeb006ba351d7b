# ruff: noqa: RUF001 - the other scripts' digits are the point of these tests
"""Characters of other scripts and invisible ones (issue 26, case 3): references, phone numbers and
ids take ASCII digits only; names and free text refuse control and bidirectional characters and
are blank when only invisible characters remain; each refusal names the field, changes nothing."""

import json

import boto3
import pytest

from tests.support.data import active_loan, approved_loan, customer_body, key

ARABIC_INDIC = "١٢٣٤٥٦٧٨٩٠١٢٣٤٥"  # 15 digits
FULL_WIDTH = "１２３４５"


def snapshot() -> list:
    items = boto3.client("dynamodb").scan(TableName="CoreTable")["Items"]  # test-only: whole table state
    return sorted(json.dumps(i, sort_keys=True, default=repr) for i in items if not i["PK"]["S"].startswith("COUNTER"))


def details(reply):
    assert reply.status == 400, reply
    assert reply.json["code"] == "invalid_argument", reply
    return {d["field"]: d["message"] for d in reply.json["details"]}


@pytest.fixture
def loan(admin, funded):
    return active_loan(admin)


def test_ach_trace_and_check_numbers_take_ascii_digits_only(admin, loan):
    before = snapshot()
    ach = {"transactionDate": "2026-05-23", "transactionAmount": 100, "paymentTypeId": 2}
    reply = admin.post(f"/v1/loans/{loan['id']}/repayments", {**ach, "traceNumber": ARABIC_INDIC}, headers=key())
    assert details(reply) == {"traceNumber": "a ACH trace number is exactly 15 digits"}
    check = {"transactionDate": "2026-05-23", "transactionAmount": 100, "paymentTypeId": 3}
    reply = admin.post(f"/v1/loans/{loan['id']}/repayments", {**check, "checkNumber": FULL_WIDTH}, headers=key())
    assert details(reply) == {"checkNumber": "a check number is 1 to 10 digits"}
    assert snapshot() == before
    reply = admin.post(f"/v1/loans/{loan['id']}/repayments", {**ach, "traceNumber": "123456789012345"}, headers=key())
    assert reply.status == 200, reply


def test_a_mobile_money_phone_number_takes_ascii_digits_only(admin, funded):
    loan = approved_loan(admin)
    before = snapshot()
    body = {
        "actualDisbursementDate": "2026-05-23",
        "transactionAmount": 10000,
        "paymentMethod": "TIPS_MNO",
        "paymentDetails": {"phoneNumber": "٢٥٥٧١٢٣٤٥٦٧٨", "mnoProvider": "MPESA"},
    }
    reply = admin.post(f"/v1/loans/{loan['id']}/disburse", body, headers=key())
    assert details(reply) == {
        "paymentDetails.phoneNumber": "must be 10 to 15 digits, optionally starting with + (e.g. 255712345678)"
    }
    holder = {**body["paymentDetails"], "phoneNumber": "255712345678", "walletHolderName": "Ada\u202eecalevoL"}
    reply = admin.post(f"/v1/loans/{loan['id']}/disburse", {**body, "paymentDetails": holder}, headers=key())
    assert details(reply) == {
        "paymentDetails.walletHolderName": "must not contain bidirectional control characters (found U+202E)"
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("\u200b\u200b\u200b", "must not be blank"),
        ("\u200c\u2060\ufeff \u3164", "must not be blank"),
        ("Ada\x00", "must not contain control characters (found U+0000)"),
        ("\x1b[31mAda\x1b[0m", "must not contain control characters (found U+001B)"),
        ("Ada\r\nLovelace", "must not contain control characters (found U+000D)"),
        ("A\x85da", "must not contain control characters (found U+0085)"),
        ("\u202eecalevoL", "must not contain bidirectional control characters (found U+202E)"),
        ("Ada\u2066x\u2069", "must not contain bidirectional control characters (found U+2066)"),
        ("Ada\u200f", "must not contain bidirectional control characters (found U+200F)"),
    ],
)
def test_names_and_external_ids_refuse_controls_and_invisible_only_values(admin, value, message):
    before = snapshot()
    for field in ("firstname", "lastname", "externalId"):
        reply = admin.post("/v1/customers", customer_body(**{field: value}))
        assert details(reply) == {field: message}, (field, reply)
    reply = admin.post("/v1/api-keys", {"name": value, "role": "viewer"})
    assert details(reply) == {"name": message}
    assert snapshot() == before


def test_customer_mobile_numbers_and_ids_take_ascii_digits_only(admin):
    before = snapshot()
    assert details(admin.post("/v1/customers", customer_body(mobileNo="٢٥٥٧٠٠٠٠٠٠٠٠"))) == {
        "mobileNo": "must be 7 to 15 digits, optionally starting with +"
    }
    assert details(admin.post("/v1/customers", customer_body(officeId="١"))) == {
        "officeId": "must be a positive integer id"
    }
    assert details(admin.post("/v1/customers", customer_body(activationDate="２０２６-０５-２３"))) == {
        "activationDate": "must be ISO yyyy-MM-dd"
    }
    assert snapshot() == before


def test_real_names_in_any_script_and_multi_line_notes_are_kept(admin, funded):
    for first, last in [("Zoë", "Ñúñez"), ("محمد", "عبد الله"), ("Zuhura", "Mwinyi-Hamisi"), ("क्\u200dष", "शर्मा")]:
        reply = admin.post("/v1/customers", customer_body(firstname=first, lastname=last))
        assert reply.status == 201, reply
        assert (reply.json["firstname"], reply.json["lastname"]) == (first, last)
    loan = approved_loan(admin)
    note = "Paid at the branch.\nReceipt in the file."
    reply = admin.post(
        f"/v1/loans/{loan['id']}/disburse",
        {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000, "note": note},
        headers=key(),
    )
    assert reply.status == 200, reply
    reply = admin.post(f"/v1/loans/{loan['id']}/undo-disbursal", {"note": "wrong\x1b[2J"}, headers=key())
    assert details(reply) == {"note": "must not contain control characters (found U+001B)"}
