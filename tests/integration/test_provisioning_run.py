"""Loan-loss provisioning through the API (issue 29): the policy, the month-end run booking only the
change in the required allowance (Dr 5200 Provision expense / Cr 1290 Loan-loss allowance), once
per month, and an allowance in the ledger equal to the policy applied to the aging report.

Three demo loans (10,000 at 11% flat for 7 days, 11,100 due 2026-05-30) disbursed 2026-05-23; one
pays 2,000 at once (1,100 interest, then 900 principal). On 2026-06-30 all three are 31 days past
due (31-60: 5%); one pays in full on 2026-07-10; on 2026-07-31 the other two are 62 days past due
(61-90: 25%).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.integration.test_portfolio_reports import close_business, on
from tests.support.data import active_loan, key, repay
from tests.support.fixtures import run_workers


def allowance_in_ledger(admin, drain) -> Decimal:
    drain()
    trial = admin.get("/v1/ledger/trial-balance").json
    (tzs,) = [c for c in trial["currencies"] if c["currency"] == "TZS"]
    row = next(a for a in tzs["accounts"] if a["id"] == "1290")
    return row["credit"] - row["debit"]


def policy_applied_to_aging(admin, as_of: str) -> Decimal:
    rates = {r["bucket"]: r["percent"] for r in admin.get("/v1/provisioning-policy").json["rates"]}
    aging = admin.get("/v1/reports/aging", query={"asOf": as_of, "currency": "TZS"}).json["currencies"][0]
    return sum(
        (
            (r["outstandingPrincipal"] * rates[r["bucket"]] / 100).quantize(Decimal("0.01"))
            for r in aging["buckets"]
            if r["bucket"]
        ),
        Decimal("0.00"),
    )


@pytest.fixture
def record_queue(aws):
    return run_workers("RecordPortfolio", 5)


@pytest.fixture
def book(admin, operator, funded, drain, monkeypatch):
    on(monkeypatch, date(2026, 5, 23))
    loans = [active_loan(operator) for _ in range(3)]
    assert repay(operator, loans[0]["id"], 2000).status == 200
    drain()
    return loans


def test_the_month_end_run_provides_by_the_policy_and_books_only_the_change(
    admin,
    operator,
    book,
    drain,
    run_queues,
    record_queue,
    monkeypatch,
):
    assert admin.get("/v1/provisioning-policy").json["rates"] == [
        {"bucket": "1-30", "percent": 1},
        {"bucket": "31-60", "percent": 5},
        {"bucket": "61-90", "percent": 25},
        {"bucket": "91-180", "percent": 50},
        {"bucket": "181+", "percent": 100},
    ]
    on(monkeypatch, date(2026, 6, 30))
    close_business(admin, run_queues, drain, record_queue, date(2026, 6, 30))
    on(monkeypatch, date(2026, 7, 1))
    june = admin.post("/v1/provisioning-runs", {"month": "2026-06"})
    assert june.status == 201, june
    (run,) = june.json["runs"]
    # 29,100 of principal in 31-60 at 5%.
    assert (run["asOf"], run["requiredAllowance"], run["heldBefore"], run["booked"]) == (
        "2026-06-30",
        Decimal("1455.00"),
        0,
        Decimal("1455.00"),
    )
    assert [(b["bucket"], b["outstandingPrincipal"], b["percent"], b["required"]) for b in run["buckets"]] == [
        ("31-60", Decimal("29100.00"), 5, Decimal("1455.00"))
    ]
    entry = admin.get(f"/v1/ledger/entries/{run['entryId']}").json
    assert (entry["entryDate"], entry["status"]) == ("2026-06-30", "posted")
    assert [(x["accountId"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("5200", Decimal("1455.00"), 0),
        ("1290", 0, Decimal("1455.00")),
    ]
    assert allowance_in_ledger(admin, drain) == policy_applied_to_aging(admin, "2026-06-30") == Decimal("1455.00")

    # Asked again: what it booked, and nothing more.
    again = admin.post("/v1/provisioning-runs", {"month": "2026-06"})
    assert (again.status, again.json["runs"]) == (200, june.json["runs"])
    assert allowance_in_ledger(admin, drain) == Decimal("1455.00")

    # July: one loan repaid, one charged off (it left 31-60, where 5% of its 10,000 was provided),
    # the last 62 days late (61-90 at 25%). The charge-off uses its 500.00 of the allowance first.
    on(monkeypatch, date(2026, 7, 10))
    assert repay(operator, book[1]["id"], 11100, on="2026-07-10").status == 200
    on(monkeypatch, date(2026, 7, 15))
    charge_off = operator.post(
        f"/v1/loans/{book[2]['id']}/charge-off", {"transactionDate": "2026-07-15"}, headers=key()
    )
    assert charge_off.status == 200, charge_off
    on(monkeypatch, date(2026, 7, 31))
    close_business(admin, run_queues, drain, record_queue, date(2026, 7, 31))
    on(monkeypatch, date(2026, 8, 1))
    (july,) = admin.post("/v1/provisioning-runs", {"month": "2026-07"}).json["runs"]
    # 9,100 in 61-90 at 25% is 2,275.00: held 1,455.00, less 500.00 used, so 1,320.00 more.
    assert (july["requiredAllowance"], july["heldBefore"], july["usedByChargeOffs"], july["booked"]) == (
        Decimal("2275.00"),
        Decimal("1455.00"),
        Decimal("500.00"),
        Decimal("1320.00"),
    )
    used = admin.get(f"/v1/ledger/entries/{july['useEntryId']}").json
    assert [(x["accountId"], x["debit"], x["credit"]) for x in used["lines"]] == [
        ("1290", Decimal("500.00"), 0),
        ("5100", 0, Decimal("500.00")),
    ]
    assert allowance_in_ledger(admin, drain) == policy_applied_to_aging(admin, "2026-07-31") == Decimal("2275.00")
    # The charge-off's expense is what the allowance did not cover.
    trial = admin.get("/v1/ledger/trial-balance").json
    (tzs,) = [c for c in trial["currencies"] if c["currency"] == "TZS"]
    assert next(a["debit"] - a["credit"] for a in tzs["accounts"] if a["id"] == "5100") == Decimal("9500.00")
    late = admin.post("/v1/provisioning-runs", {"month": "2026-05"})
    assert (late.status, late.json["reason"]) == (400, "PROVISIONING_OUT_OF_ORDER"), late


def test_a_lower_policy_releases_allowance(admin, book, drain, run_queues, record_queue, monkeypatch):
    on(monkeypatch, date(2026, 6, 30))
    close_business(admin, run_queues, drain, record_queue, date(2026, 6, 30))
    on(monkeypatch, date(2026, 7, 1))
    assert admin.post("/v1/provisioning-runs", {"month": "2026-06"}).status == 201
    rates = [{"bucket": "1-30", "percent": 1}, {"bucket": "31+", "percent": Decimal("2.5")}]
    assert admin.request("PUT", "/v1/provisioning-policy", {"rates": rates}).status == 200
    on(monkeypatch, date(2026, 7, 31))
    close_business(admin, run_queues, drain, record_queue, date(2026, 7, 31))
    on(monkeypatch, date(2026, 8, 1))
    (july,) = admin.post("/v1/provisioning-runs", {"month": "2026-07"}).json["runs"]
    # 29,100 now in 61-90, held at the policy's 31+ rate: 727.50, so 727.50 of 1,455.00 is released.
    assert (july["requiredAllowance"], july["booked"]) == (Decimal("727.50"), Decimal("-727.50"))
    entry = admin.get(f"/v1/ledger/entries/{july['entryId']}").json
    assert [(x["accountId"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("1290", Decimal("727.50"), 0),
        ("5200", 0, Decimal("727.50")),
    ]
    assert allowance_in_ledger(admin, drain) == Decimal("727.50")


def test_bad_policies_and_runs_are_refused_with_the_field(admin, operator, seeded, monkeypatch):
    on(monkeypatch, date(2026, 7, 1))
    for rates, field in [
        ([{"bucket": "1-30", "percent": 101}, {"bucket": "31+", "percent": 5}], "rates[0].percent"),
        ([{"bucket": "1-30", "percent": True}, {"bucket": "31+", "percent": 5}], "rates[0].percent"),
        ([{"bucket": "1-30", "percent": 1}, {"bucket": "32+", "percent": 5}], "rates[1]"),
        ([{"bucket": "1-30", "percent": 1.555}, {"bucket": "31+", "percent": 5}], "rates[0].percent"),
        ([{"bucket": "1-30"}], "rates[0]"),
        ([], "rates"),
    ]:
        reply = admin.request("PUT", "/v1/provisioning-policy", {"rates": rates})
        assert reply.status == 400, (rates, reply)
        named = reply.json["details"][0]["field"].replace("[", ".").replace("]", "")
        assert named.startswith(field.replace("[", ".").replace("]", "")), (rates, reply.json)
    assert operator.request("PUT", "/v1/provisioning-policy", {"rates": [{"bucket": "1+", "percent": 1}]}).status == 403
    assert operator.post("/v1/provisioning-runs", {"month": "2026-06"}).status == 403
    for month, message in [("2026-07", "must be a month that has ended"), ("2026-13", "yyyy-MM"), ("June", "yyyy-MM")]:
        reply = admin.post("/v1/provisioning-runs", {"month": month})
        assert (reply.status, reply.json["details"][0]["field"]) == (400, "month"), reply
        assert message in reply.json["details"][0]["message"]
    missing = admin.post("/v1/provisioning-runs", {"month": "2026-06"})
    assert (missing.status, missing.json["reason"]) == (400, "NO_PORTFOLIO_RECORD"), missing
    assert "no portfolio record for 2026-06-30" in missing.json["message"]
