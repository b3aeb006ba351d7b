"""Portfolio at risk and arrears aging through the API (issue 29), tied to the ledger.

The demo product: 10,000 at 11% flat for 7 days, one installment of 11,100 due 2026-05-30. Three
loans are disbursed on 2026-05-23 and a KES loan beside them; one pays 2,000 (1,100 interest, then
900 principal), one is charged off. The close of business of 2026-06-30 (31 days past due) is run
through its queues, then the portfolio's daily record of that date.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from tests.support.data import active_loan, key, repay, weekly_kes_product
from tests.support.fixtures import run_workers

TZS = "TZS"


@pytest.fixture
def record_queue(aws):
    return run_workers("RecordPortfolio", 5)


def on(monkeypatch, day: date) -> None:
    from lms import clock

    monkeypatch.setattr(clock, "business_date", lambda: day)


def close_business(admin, run_queues, drain, record_queue, day: date) -> None:
    started = admin.post("/v1/cob-runs", {"businessDate": day.isoformat()})
    assert started.status == 202, started
    run_queues()
    assert admin.get(f"/v1/cob-runs/{day}").json["status"] == "COMPLETED"
    drain()
    record_queue()


def loans_receivable(admin, currency: str, as_of: date | None = None) -> Decimal:
    query = {"asOfDate": as_of.isoformat()} if as_of else None
    trial = admin.get("/v1/ledger/trial-balance", query=query).json
    part = next(c for c in trial["currencies"] if c["currency"] == currency)
    assert part["balanced"], part
    row = next(a for a in part["accounts"] if a["id"].split("-")[0] == "1200")
    return row["debit"] - row["credit"]


def par_of(reply, currency: str = TZS) -> dict:
    assert reply.status == 200, reply
    return next(c for c in reply.json["currencies"] if c["currency"] == currency)


def bands(part: dict) -> list[tuple]:
    return [(b["name"], b["principal"], b["ratio"], b["loans"]) for b in part["bands"]]


def fund_kes(admin, drain) -> None:
    """5,000 of KES capital into the KES cash rail, so that the KES loan can be paid out."""
    lines = [{"accountId": "1100-KES", "debit": 5000}, {"accountId": "3000-KES", "credit": 5000}]
    draft = admin.post("/v1/ledger/entries", {"entryDate": "2026-05-01", "description": "KES float", "lines": lines},
                       headers=key())  # fmt: skip
    assert draft.status == 201, draft
    assert admin.post(f"/v1/ledger/entries/{draft.json['id']}/post", headers=key()).status == 200
    drain()


@pytest.fixture
def book(admin, operator, funded, drain, monkeypatch):
    on(monkeypatch, date(2026, 5, 23))
    paying, late, charged = (active_loan(operator) for _ in range(3))
    kes = weekly_kes_product(admin)
    fund_kes(admin, drain)
    kes_loan = active_loan(operator, product_id=int(kes["id"]))
    assert repay(operator, paying["id"], 2000).status == 200
    drain()
    return {"paying": paying, "late": late, "charged": charged, "kes": kes_loan, "kesProduct": kes}


def test_todays_portfolio_at_risk_counts_each_loan_and_its_gross_is_loans_receivable(admin, book, drain, monkeypatch):
    on(monkeypatch, date(2026, 5, 23))
    before = par_of(admin.get("/v1/reports/portfolio-at-risk"))
    assert before["grossOutstandingPrincipal"] == loans_receivable(admin, TZS)
    assert before["recordedAt"] is None
    # 10,000 + 10,000 + 9,100 (1,100 interest paid, then 900 principal); nothing due before 2026-05-30.
    assert (before["grossOutstandingPrincipal"], before["loans"]) == (Decimal("29100.00"), 3)
    assert [b[3] for b in bands(before)] == [0, 0, 0, 0]

    reply = operator_charge_off(admin, book["charged"]["id"])
    assert reply.status == 200, reply
    drain()
    after = par_of(admin.get("/v1/reports/portfolio-at-risk"))
    # The charged-off loan's principal has left Loans receivable, and the portfolio with it.
    assert after["grossOutstandingPrincipal"] == before["grossOutstandingPrincipal"] - Decimal("10000.00")
    assert after["loans"] == before["loans"] - 1
    assert after["grossOutstandingPrincipal"] == loans_receivable(admin, TZS)
    kes = par_of(admin.get("/v1/reports/portfolio-at-risk", query={"currency": "KES"}), "KES")
    assert kes["grossOutstandingPrincipal"] == loans_receivable(admin, "KES") == Decimal("5000.00")


def operator_charge_off(admin, loan_id):
    return admin.post(f"/v1/loans/{loan_id}/charge-off", {"transactionDate": "2026-05-23"}, headers=key())


def test_the_close_of_business_moves_late_loans_into_par30_and_records_the_date(
    admin, book, drain, run_queues, record_queue, monkeypatch
):
    assert operator_charge_off(admin, book["charged"]["id"]).status == 200
    drain()
    office = admin.get(f"/v1/loans/{book['late']['id']}").json["officeId"]
    on(monkeypatch, date(2026, 6, 30))
    close_business(admin, run_queues, drain, record_queue, date(2026, 6, 30))

    scope = {"officeId": office, "productId": 1, "currency": TZS}
    loans = [admin.get(f"/v1/loans/{book[n]['id']}").json for n in ("paying", "late")]
    assert [loan["delinquency"]["daysPastDue"] for loan in loans] == [31, 31]
    whole = par_of(admin.get("/v1/reports/portfolio-at-risk"))
    # This book's two TZS loans in the portfolio, 9,100 and 10,000 of principal, both 31 days late.
    assert (whole["grossOutstandingPrincipal"], whole["loans"]) == (Decimal("19100.00"), 2)
    assert bands(whole) == [
        ("PAR1", Decimal("19100.00"), Decimal("1.0000"), 2),
        ("PAR30", Decimal("19100.00"), Decimal("1.0000"), 2),
        ("PAR60", Decimal("0.00"), Decimal("0.0000"), 0),
        ("PAR90", Decimal("0.00"), Decimal("0.0000"), 0),
    ]
    assert whole["grossOutstandingPrincipal"] == loans_receivable(admin, TZS)
    assert par_of(admin.get("/v1/reports/portfolio-at-risk", query=scope)) == whole
    assert par_of(admin.get("/v1/reports/portfolio-at-risk", query={"officeId": int(office) + 1}))["loans"] == 0

    # The record of 2026-06-30 holds the same figures; a day without one says so.
    on(monkeypatch, date(2026, 7, 1))
    recorded = par_of(admin.get("/v1/reports/portfolio-at-risk", query={"asOf": "2026-06-30"}))
    assert recorded["recordedAt"] is not None
    assert (recorded["grossOutstandingPrincipal"], bands(recorded)) == (
        whole["grossOutstandingPrincipal"],
        bands(whole),
    )
    assert recorded["grossOutstandingPrincipal"] == loans_receivable(admin, TZS, date(2026, 6, 30))
    missing = admin.get("/v1/reports/portfolio-at-risk", query={"asOf": "2026-06-29"})
    assert missing.status == 404, missing
    assert "no portfolio record for 2026-06-29" in missing.json["message"]

    aging = admin.get("/v1/reports/aging", query={"asOf": "2026-06-30", "currency": TZS}).json
    (tzs,) = aging["currencies"]
    assert [
        (r["bucket"], r["loans"], r["outstandingPrincipal"], r["overduePrincipal"], r["overdueInterest"],
         r["overdueFees"], r["overduePenalties"], r["overdueTotal"])
        for r in [*tzs["buckets"], tzs["total"]]
    ] == [
        ("31-60", 2, Decimal("19100.00"), Decimal("19100.00"), Decimal("1100.00"), 0, 0, Decimal("20200.00")),
        (None, 2, Decimal("19100.00"), Decimal("19100.00"), Decimal("1100.00"), 0, 0, Decimal("20200.00")),
    ]  # fmt: skip
    assert tzs["total"]["outstandingPrincipal"] == recorded["grossOutstandingPrincipal"]


def test_a_payment_after_the_record_moves_todays_figures_and_not_the_record(
    admin, operator, book, drain, run_queues, record_queue, monkeypatch
):
    on(monkeypatch, date(2026, 6, 30))
    close_business(admin, run_queues, drain, record_queue, date(2026, 6, 30))
    before = par_of(admin.get("/v1/reports/portfolio-at-risk"))
    # Paid the same day, after the record: the change goes to the next open date (2026-07-01).
    assert repay(operator, book["late"]["id"], 11100, on="2026-06-30").status == 200
    drain()
    on(monkeypatch, date(2026, 7, 1))
    now = par_of(admin.get("/v1/reports/portfolio-at-risk"))
    assert now["grossOutstandingPrincipal"] == before["grossOutstandingPrincipal"] - Decimal("10000.00")
    assert now["grossOutstandingPrincipal"] == loans_receivable(admin, TZS)
    recorded = par_of(admin.get("/v1/reports/portfolio-at-risk", query={"asOf": "2026-06-30"}))
    assert (recorded["grossOutstandingPrincipal"], bands(recorded)) == (
        before["grossOutstandingPrincipal"],
        bands(before),
    )
    # Recording the next date carries the payment into it.
    close_business(admin, run_queues, drain, record_queue, date(2026, 7, 1))
    on(monkeypatch, date(2026, 7, 2))
    next_day = par_of(admin.get("/v1/reports/portfolio-at-risk", query={"asOf": "2026-07-01"}))
    assert next_day["grossOutstandingPrincipal"] == now["grossOutstandingPrincipal"]
    assert next_day["grossOutstandingPrincipal"] == loans_receivable(admin, TZS, date(2026, 7, 1))


def test_reports_answer_csv_with_a_header_row_and_the_same_figures(admin, book, monkeypatch):
    on(monkeypatch, date(2026, 5, 23))
    as_json = par_of(admin.get("/v1/reports/portfolio-at-risk", query={"currency": TZS}))
    reply = admin.get("/v1/reports/portfolio-at-risk", query={"currency": TZS}, headers={"Accept": "text/csv"})
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"].startswith("text/csv")
    text = reply.raw.decode()
    assert text.endswith("\r\n") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["band"] for r in rows] == ["PAR1", "PAR30", "PAR60", "PAR90"]
    assert {Decimal(r["grossOutstandingPrincipal"]) for r in rows} == {as_json["grossOutstandingPrincipal"]}
    assert [Decimal(r["principalAtRisk"]) for r in rows] == [b["principal"] for b in as_json["bands"]]

    aging = admin.get("/v1/reports/aging", query={"currency": TZS}, headers={"Accept": "text/csv"})
    lines = list(csv.reader(io.StringIO(aging.raw.decode())))
    assert lines[0][:6] == ["currency", "asOf", "officeId", "productId", "bucket", "loans"]
    assert lines[-1][4] == "total"


def test_the_delinquent_loans_list_answers_csv_paged_by_token(
    admin, book, drain, run_queues, record_queue, monkeypatch
):
    on(monkeypatch, date(2026, 6, 30))
    close_business(admin, run_queues, drain, record_queue, date(2026, 6, 30))
    as_json = admin.get("/v1/loans", query={"inArrears": "true", "productId": 1}).json["items"]
    wanted = {"inArrears": "true", "productId": 1, "rows": 1}
    rows, token, pages = [], None, 0
    while pages == 0 or token:
        query = {**wanted, "pageToken": token} if token else wanted
        reply = admin.get("/v1/loans", query=query, headers={"Accept": "text/csv"})
        assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv"), reply
        rows += csv.DictReader(io.StringIO(reply.raw.decode()))
        token, pages = reply.headers.get("Next-Page-Token"), pages + 1
    assert pages == 4  # three loans, then an empty page: the third page could not know it was the last
    assert [r["id"] for r in rows] == [loan["id"] for loan in as_json]
    assert [(r["bucket"], r["daysPastDue"], r["overdueSince"]) for r in rows] == [("31-60", "31", "2026-05-30")] * 3
    assert sorted(Decimal(r["overduePrincipal"]) for r in rows) == [Decimal("9100.00"), *[Decimal("10000.00")] * 2]


def test_bad_report_parameters_are_refused_with_the_field(viewer, seeded, monkeypatch):
    on(monkeypatch, date(2026, 7, 1))
    for query, field, message in [
        ({"asOf": "2026-07-02"}, "asOf", "must not be after today's business date"),
        ({"asOf": "01/07/2026"}, "asOf", "yyyy-MM-dd"),
        ({"officeId": "0"}, "officeId", ""),
        ({"productId": "x"}, "productId", ""),
        ({"currency": "XYZ"}, "currency", "unsupported currency"),
        ({"currency": "TZSS"}, "currency", ""),
    ]:
        reply = viewer.get("/v1/reports/portfolio-at-risk", query=query)
        assert reply.status == 400, (query, reply)
        assert reply.json["details"][0]["field"] == field, reply.json
        assert message in reply.json["details"][0]["message"]
