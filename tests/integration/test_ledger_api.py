"""The general ledger through the API: accounts, entries, invariants, reports, reconciliation."""

import uuid
from decimal import Decimal

import boto3
import pytest

from lms.ledger.reconcile import reconcile
from tests.support.data import submitted_loan, weekly_kes_product


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def entry_body(lines, date="2026-05-23", description="Float top-up") -> dict:
    return {"entryDate": date, "description": description, "referenceType": "manual", "lines": lines}


TOP_UP = [
    {"accountId": "1120", "debit": "500.00", "credit": "0.00", "description": "Float"},
    {"accountId": "3000", "debit": "0.00", "credit": "500.00", "description": "Capital"},
]


def create(admin, lines=TOP_UP, **kwargs):
    reply = admin.post("/v1/ledger/entries", entry_body(lines, **kwargs), headers=key())
    assert reply.status == 201, reply
    return reply.json


def posted(admin, drain, lines=TOP_UP, **kwargs):
    entry = create(admin, lines, **kwargs)
    reply = admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key())
    assert reply.status == 200, reply
    drain()
    return reply.json


def balance(client, account, **query):
    reply = client.get(f"/v1/ledger/accounts/{account}/balance", query=query)
    assert reply.status == 200, reply
    return reply.json["balance"]


def trial(client, **query) -> dict:
    reply = client.get("/v1/ledger/trial-balance", query=query)
    assert reply.status == 200, reply
    return reply.json


@pytest.fixture
def opening(seeded, drain):
    drain()  # the demo seed's opening capital entry


def test_default_chart_is_created(viewer):
    accounts = viewer.get("/v1/ledger/accounts", query={"rows": 99}).json
    codes = [a["code"] for a in accounts["items"]]
    assert codes[:3] == ["1000", "1100", "1110"]
    assert {
        "1200",
        "1210",
        "1220",
        "1230",
        "2100",
        "2200",
        "2300",
        "3000",
        "4100",
        "4200",
        "4300",
        "4400",
        "5100",
    } <= set(codes)
    loans = viewer.get("/v1/ledger/accounts/1200").json
    assert (loans["name"], loans["accountType"], loans["normalBalance"]) == ("Loans receivable", "asset", "debit")


def test_create_account_rules(admin):
    created = admin.post(
        "/v1/ledger/accounts", {"code": "1170", "name": "Petty cash", "accountType": "asset", "parentId": "1000"}
    )
    assert created.status == 201
    assert created.json["currency"] == "TZS"
    duplicate = admin.post("/v1/ledger/accounts", {"code": "1170", "name": "Again", "accountType": "asset"})
    assert (duplicate.status, duplicate.json["code"]) == (409, "already_exists")
    bad = admin.post("/v1/ledger/accounts", {"code": "x y", "name": "", "accountType": "cash"})
    assert bad.status == 400
    assert {d["field"] for d in bad.json["details"]} == {"code", "name", "accountType"}
    orphan = admin.post("/v1/ledger/accounts", {"code": "1171", "name": "X", "accountType": "asset", "parentId": "9"})
    assert orphan.json["details"][0]["field"] == "parentId"


def test_draft_counts_nowhere_until_posted(admin, drain, opening):
    before = trial(admin)
    entry = create(admin)
    assert entry["status"] == "draft"
    drain()
    assert trial(admin) == before
    assert balance(admin, "1120") == Decimal("20000000.00")
    admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key())
    drain()
    assert balance(admin, "1120") == Decimal("20000500.00")
    assert balance(admin, "3000") == Decimal("100000500.00")
    after = trial(admin)
    assert after["totalDebits"] == after["totalCredits"] == Decimal("100000500.00")
    assert after["balanced"] is True


def test_unbalanced_entry_is_400_and_stores_nothing(admin, drain):
    lines = [{"accountId": "1120", "debit": 500}, {"accountId": "3000", "credit": "499.99"}]
    reply = admin.post("/v1/ledger/entries", entry_body(lines), headers=key())
    assert reply.status == 400
    assert reply.json["reason"] == "UNBALANCED_ENTRY"
    assert reply.json["details"] == [
        {"field": "lines", "message": "the entry does not balance: debits 500.00 != credits 499.99"}
    ]
    assert admin.get("/v1/ledger/entries").json["total"] == 1  # only the demo seed's opening entry


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([{"accountId": "1120", "debit": 5}], "lines"),
        ([{"accountId": "1120", "debit": 5, "credit": 5}, {"accountId": "3000", "credit": 0}], "lines.0"),
        ([{"accountId": "1120", "debit": -5}, {"accountId": "3000", "credit": 5}], "lines.0.debit"),
        ([{"accountId": "nope", "debit": 5}, {"accountId": "3000", "credit": 5}], "lines.0.accountId"),
        ([{"accountId": "1120", "debit": "5.001"}, {"accountId": "3000", "credit": "5.001"}], "lines.0"),
    ],
)
def test_line_invariants(admin, lines, field):
    reply = admin.post("/v1/ledger/entries", entry_body(lines), headers=key())
    assert reply.status == 400, reply
    assert field in [d["field"] for d in reply.json["details"]]


def test_double_post_edit_posted_and_reverse_draft_are_failed_precondition(admin, drain):
    entry = create(admin)
    reverse_draft = admin.post(f"/v1/ledger/entries/{entry['id']}/reverse", {"reason": "x"}, headers=key())
    assert (reverse_draft.status, reverse_draft.json["code"]) == (400, "failed_precondition")
    edited = admin.request("PUT", f"/v1/ledger/entries/{entry['id']}", entry_body(TOP_UP, description="Corrected"))
    assert edited.status == 200
    assert edited.json["description"] == "Corrected"
    assert admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key()).status == 200
    twice = admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key())
    assert (twice.status, twice.json["code"], twice.json["reason"]) == (
        400,
        "failed_precondition",
        "ENTRY_ALREADY_POSTED",
    )
    edit_posted = admin.request("PUT", f"/v1/ledger/entries/{entry['id']}", entry_body(TOP_UP))
    assert (edit_posted.status, edit_posted.json["code"]) == (400, "failed_precondition")


def test_reversal_nets_each_account_to_zero(admin, drain, opening):
    before = {a: balance(admin, a) for a in ("1120", "3000")}
    entry = posted(admin, drain)
    reply = admin.post(f"/v1/ledger/entries/{entry['id']}/reverse", {"reason": "duplicate"}, headers=key())
    assert reply.status == 201, reply
    reversal = reply.json
    drain()
    assert reversal["reverses"] == entry["id"]
    assert [(x["accountId"], x["debit"], x["credit"]) for x in reversal["lines"]] == [
        ("1120", Decimal("0.00"), Decimal("500.00")),
        ("3000", Decimal("500.00"), Decimal("0.00")),
    ]
    original = admin.get(f"/v1/ledger/entries/{entry['id']}").json
    assert (original["status"], original["reversedBy"]) == ("reversed", reversal["id"])
    assert {a: balance(admin, a) for a in ("1120", "3000")} == before
    again = admin.post(f"/v1/ledger/entries/{entry['id']}/reverse", {"reason": "again"}, headers=key())
    assert (again.status, again.json["reason"]) == (400, "ENTRY_ALREADY_REVERSED")


def test_idempotency_on_entry_creation(admin):
    headers = {"Idempotency-Key": "entry-1"}
    first = admin.post("/v1/ledger/entries", entry_body(TOP_UP), headers=headers)
    replay = admin.post("/v1/ledger/entries", entry_body(TOP_UP), headers=headers)
    assert (first.status, replay.status) == (201, 201)
    assert replay.raw == first.raw
    assert (first.headers["Idempotent-Replayed"], replay.headers["Idempotent-Replayed"]) == ("false", "true")
    other = admin.post("/v1/ledger/entries", entry_body(TOP_UP, description="other"), headers=headers)
    assert (other.status, other.json["reason"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    missing = admin.post("/v1/ledger/entries", entry_body(TOP_UP))
    assert (missing.status, missing.json["details"][0]["field"]) == (400, "Idempotency-Key")
    assert admin.get("/v1/ledger/entries", query={"status": "draft"}).json["total"] == 1


def test_back_dated_entries_and_as_of(admin, drain, opening):
    posted(admin, drain, date="2026-03-01")
    posted(admin, drain, date="2026-06-01")
    assert balance(admin, "1120", asOf="2026-02-28") == Decimal("20000000.00")
    assert balance(admin, "1120", asOf="2026-03-01") == Decimal("20000500.00")
    assert balance(admin, "1120", as_of="2026-05-31") == Decimal("20000500.00")
    assert balance(admin, "1120") == Decimal("20001000.00")
    march = trial(admin, asOfDate="2026-03-31")
    assert march["totalDebits"] == march["totalCredits"] == Decimal("100000500.00")
    assert admin.get("/v1/ledger/trial-balance", query={"asOfDate": "31-03-2026"}).status == 400


def test_gl_detail_with_running_balance_and_pages(admin, drain, opening):
    for day in ("2026-05-02", "2026-05-03", "2026-05-04"):
        posted(admin, drain, date=day)
    first = admin.get(
        "/v1/ledger/gl-detail",
        query={"accountId": "1120", "startDate": "2026-05-01", "endDate": "2026-05-31", "rows": 2},
    ).json
    assert first["openingBalance"] == Decimal("20000000.00")
    assert first["total"] == 3
    assert [x["runningBalance"] for x in first["items"]] == [Decimal("20000500.00"), Decimal("20001000.00")]
    second = admin.get(
        "/v1/ledger/gl-detail", query={"accountId": "1120", "startDate": "2026-05-01", "page": 2, "rows": 2}
    ).json
    assert [x["entryDate"] for x in second["items"]] == ["2026-05-04"]
    assert second["items"][0]["runningBalance"] == Decimal("20001500.00")
    assert admin.get("/v1/ledger/gl-detail").status == 400
    assert admin.get("/v1/ledger/gl-detail", query={"accountId": "nope"}).status == 404


def test_trial_balance_per_currency(admin, drain, opening):
    weekly_kes_product(admin)
    posted(admin, drain, lines=[{"accountId": "1100-KES", "debit": 750}, {"accountId": "3000-KES", "credit": 750}])
    report = trial(admin)
    assert [c["currency"] for c in report["currencies"]] == ["KES", "TZS"]
    kes = report["currencies"][0]
    assert kes["totalDebits"] == kes["totalCredits"] == Decimal("750.00")
    assert report["accounts"] is None and report["balanced"] is True
    mixed = admin.post(
        "/v1/ledger/entries",
        entry_body([{"accountId": "1100-KES", "debit": 5}, {"accountId": "3000", "credit": 5}]),
        headers=key(),
    )
    assert mixed.status == 400


def test_sub_ledger_of_a_loan(admin, drain, operator):
    loan = submitted_loan(operator)
    empty = admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json
    assert empty == {"loanId": loan["id"], "entries": [], "accounts": []}
    assert admin.get("/v1/ledger/loans/999/sub-ledger").status == 404
    lines = [{"accountId": "1200", "debit": 10}, {"accountId": "1100", "credit": 10}]
    body = {**entry_body(lines, description="Adjustment on a loan"), "loanId": int(loan["id"])}
    entry = admin.post("/v1/ledger/entries", body, headers=key()).json
    create(admin, lines=lines, description="Not about this loan")
    admin.post(f"/v1/ledger/entries/{entry['id']}/post", headers=key())
    drain()
    ledger = admin.get(f"/v1/ledger/loans/{loan['id']}/sub-ledger").json
    assert [e["id"] for e in ledger["entries"]] == [entry["id"]]
    assert ledger["accounts"] == [
        {"accountId": "1100", "debits": Decimal(0), "credits": Decimal(10), "netDebit": Decimal(-10)},
        {"accountId": "1200", "debits": Decimal(10), "credits": Decimal(0), "netDebit": Decimal(10)},
    ]


def test_reconcile_finds_nothing_then_every_tampered_total(admin, drain, opening):
    posted(admin, drain)
    checked, differences = reconcile()
    assert checked >= 21 and differences == []
    table = boto3.client("dynamodb")
    totals = table.query(
        TableName="LedgerTable",
        KeyConditionExpression="PK = :p",
        ExpressionAttributeValues={":p": {"S": "TOTAL#1120"}},
    )["Items"]
    table.update_item(
        TableName="LedgerTable",
        Key={"PK": totals[0]["PK"], "SK": totals[0]["SK"]},
        UpdateExpression="ADD debit :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    _, differences = reconcile()
    assert [(d.account_id, d.actual_debit - d.expected_debit) for d in differences] == [("1120", Decimal(1))]
    running = next(t for t in totals if t["SK"]["S"].startswith("ALL#"))
    table.update_item(
        TableName="LedgerTable",
        Key={"PK": running["PK"], "SK": running["SK"]},
        UpdateExpression="ADD credit :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    _, differences = reconcile()
    assert [(d.account_id, d.day, d.actual_credit - d.expected_credit) for d in differences][1:] == [
        ("1120", "ALL", Decimal(2))
    ]


def test_redelivered_stream_records_apply_once(admin, drain, opening):
    from devstack.lambdas import Functions
    from tests.conftest import STACK

    entry = posted(admin, drain)
    item = boto3.client("dynamodb").get_item(
        TableName="LedgerTable", Key={"PK": {"S": f"ENTRY#{entry['id']}"}, "SK": {"S": "ENTRY"}}
    )["Item"]
    record = {
        "eventID": "1",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": item, "SequenceNumber": "1", "Keys": {"PK": item["PK"], "SK": item["SK"]}},
    }
    result = Functions(STACK, inline=True).invoke("ProjectLedgerTotalsFunction", {"Records": [record, record]})
    assert result["batchItemFailures"] == []
    assert balance(admin, "1120") == Decimal("20000500.00")
    assert reconcile()[1] == []
