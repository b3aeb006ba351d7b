"""A loan's delinquency through the API: `delinquency` on GET /v1/loans/{id} (as of the business
date, from the loan's position, whether or not a run has happened) and its changes of bucket on
GET /v1/loans/{id}/delinquency. A repayment, a back-dated payment or a reversal changes both at once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms import clock
from lms.config import reset_settings
from tests.support.data import active_loan, key, repay, submitted_loan, weekly_product

ZERO_ARREARS = {
    "principal": Decimal("0.00"),
    "interest": Decimal("0.00"),
    "fees": Decimal("0.00"),
    "penalties": Decimal("0.00"),
    "total": Decimal("0.00"),
}
# The demo loan never paid: 10,000 at 11% flat for 7 days, disbursed 2026-05-23, 11,100 due 2026-05-30.
NEVER_PAID_CHANGES = [
    {"date": "2026-05-31", "bucket": "1-30", "inArrears": True},
    {"date": "2026-06-30", "bucket": "31-60", "inArrears": True},
    {"date": "2026-07-30", "bucket": "61-90", "inArrears": True},
    {"date": "2026-08-29", "bucket": "91-180", "inArrears": True},
    {"date": "2026-11-27", "bucket": "181+", "inArrears": True},
]


@pytest.fixture
def business_date(monkeypatch):
    """Moves the business date (the seam every 'today' goes through)."""

    def move(day: date) -> None:
        monkeypatch.setattr(clock, "business_date", lambda: day)

    return move


def changes(client, loan_id, **query) -> dict:
    reply = client.get(f"/v1/loans/{loan_id}/delinquency", query=query or None)
    assert reply.status == 200, reply
    return reply.json


def test_the_issues_demo_loan_never_paid_is_188_days_past_due_in_181_plus(operator, viewer, funded, business_date):
    loan = active_loan(operator, on="2026-05-23")
    business_date(date(2026, 12, 4))
    got = viewer.get(f"/v1/loans/{loan['id']}").json
    assert got["status"] == "Active"
    assert got["delinquency"] == {
        "daysPastDue": 188,
        "overdueSince": "2026-05-30",
        "bucket": "181+",
        "inArrears": True,
        "arrears": {
            "principal": Decimal("10000.00"),
            "interest": Decimal("1100.00"),
            "fees": Decimal("0.00"),
            "penalties": Decimal("0.00"),
            "total": Decimal("11100.00"),
        },
        "asOf": "2026-12-04",
    }
    listed = changes(viewer, loan["id"])
    assert listed["items"] == NEVER_PAID_CHANGES
    assert (listed["total"], listed["page"]) == (5, 1)


def test_on_its_due_date_a_loan_is_not_yet_overdue_and_the_day_after_it_is(operator, funded, business_date):
    loan = active_loan(operator, on="2026-05-23")
    business_date(date(2026, 5, 30))
    on_due = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
    assert on_due == {
        "daysPastDue": 0,
        "overdueSince": None,
        "bucket": None,
        "inArrears": False,
        "arrears": ZERO_ARREARS,
        "asOf": "2026-05-30",
    }
    assert changes(operator, loan["id"])["items"] == []
    business_date(date(2026, 5, 31))
    after = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
    assert (after["daysPastDue"], after["overdueSince"], after["bucket"]) == (1, "2026-05-30", "1-30")
    assert changes(operator, loan["id"])["items"] == NEVER_PAID_CHANGES[:1]


def test_the_changes_are_paged_oldest_first(operator, funded, business_date):
    loan = active_loan(operator, on="2026-05-23")
    business_date(date(2026, 12, 4))
    second = changes(operator, loan["id"], page=2, rows=2)
    assert second["items"] == NEVER_PAID_CHANGES[2:4]
    assert (second["total"], second["page"], second["rowsPerPage"]) == (5, 2, 2)
    assert changes(operator, loan["id"], page=3, rows=2)["items"] == NEVER_PAID_CHANGES[4:]


def test_a_partial_payment_leaves_principal_in_arrears_and_paying_in_full_cures_it(operator, funded, business_date):
    loan = active_loan(operator, on="2026-05-23")
    business_date(date(2026, 6, 10))
    paid = repay(operator, loan["id"], 2000, on="2026-06-10").json
    # The answer to the payment carries the delinquency as of the business date too (interest is paid first).
    assert paid["loan"]["delinquency"]["arrears"] == {
        "principal": Decimal("9100.00"),
        "interest": Decimal("0.00"),
        "fees": Decimal("0.00"),
        "penalties": Decimal("0.00"),
        "total": Decimal("9100.00"),
    }
    assert paid["loan"]["delinquency"]["daysPastDue"] == 11
    business_date(date(2026, 7, 15))
    late = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
    assert (late["daysPastDue"], late["bucket"], late["arrears"]["total"]) == (46, "31-60", Decimal("9100.00"))
    cured = repay(operator, loan["id"], 9100, on="2026-07-15").json["loan"]
    assert cured["status"] == "Closed (obligations met)"
    # A closed loan shows zeros: nothing is outstanding, it is in no bucket.
    assert cured["delinquency"] == {
        "daysPastDue": 0,
        "overdueSince": None,
        "bucket": None,
        "inArrears": False,
        "arrears": ZERO_ARREARS,
        "asOf": "2026-07-15",
    }
    assert changes(operator, loan["id"])["items"] == [
        {"date": "2026-05-31", "bucket": "1-30", "inArrears": True},
        {"date": "2026-06-30", "bucket": "31-60", "inArrears": True},
        {"date": "2026-07-15", "bucket": None, "inArrears": False},
    ]


def test_a_back_dated_payment_clears_the_history_and_its_reversal_restores_it(operator, funded, business_date):
    loan = active_loan(operator, on="2026-05-23")
    business_date(date(2026, 12, 4))
    assert operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]["daysPastDue"] == 188
    on_time = repay(operator, loan["id"], 11100, on="2026-05-30").json  # recorded late, dated on the due date
    assert on_time["loan"]["delinquency"]["daysPastDue"] == 0
    cleared = changes(operator, loan["id"])
    assert (cleared["items"], cleared["total"]) == ([], 0)
    reversed_ = operator.post(
        f"/v1/loans/{loan['id']}/repayments/{on_time['id']}/reverse", {"reason": "bounced"}, headers=key()
    )
    assert reversed_.status == 200, reversed_
    restored = reversed_.json["loan"]["delinquency"]
    assert (restored["daysPastDue"], restored["bucket"], restored["arrears"]["total"]) == (
        188,
        "181+",
        Decimal("11100.00"),
    )
    assert changes(operator, loan["id"])["items"] == NEVER_PAID_CHANGES


def test_a_loan_not_yet_disbursed_has_no_delinquency(operator, viewer):
    loan = submitted_loan(operator)
    assert loan["delinquency"] is None
    assert viewer.get(f"/v1/loans/{loan['id']}").json["delinquency"] is None
    none = changes(viewer, loan["id"])
    assert (none["items"], none["total"]) == ([], 0)


def test_an_unknown_loan_is_404(viewer):
    reply = viewer.get("/v1/loans/999999/delinquency")
    assert reply.status == 404, reply


def test_the_buckets_are_the_products(admin, operator, funded, business_date):
    product = weekly_product(admin, "Weekly, short buckets", delinquencyBuckets=["1-7", "8-30", "31+"])
    loan = active_loan(operator, product_id=int(product["id"]), principal=10000, on="2026-05-23")
    business_date(date(2026, 6, 7))
    got = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
    assert (got["daysPastDue"], got["bucket"]) == (8, "8-30")
    assert changes(operator, loan["id"])["items"] == [
        {"date": "2026-05-31", "bucket": "1-7", "inArrears": True},
        {"date": "2026-06-07", "bucket": "8-30", "inArrears": True},
    ]


def test_the_business_date_is_the_lenders_calendar_date(operator, funded, monkeypatch):
    loan = active_loan(operator, on="2026-05-23")
    # 22:30 UTC on the due date is already the next day in Dar es Salaam (UTC+3): 1 day past due there.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 5, 30, 22, 30, tzinfo=UTC))
    got = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
    assert (got["asOf"], got["daysPastDue"]) == ("2026-05-30", 0)
    monkeypatch.setenv("LENDER_TIME_ZONE", "Africa/Dar_es_Salaam")
    reset_settings()
    try:
        got = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
        assert (got["asOf"], got["daysPastDue"], got["bucket"]) == ("2026-05-31", 1, "1-30")
        monkeypatch.setenv("LENDER_TIME_ZONE", "Pacific/Pago_Pago")
        reset_settings()
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 5, 31, 5, 0, tzinfo=UTC))  # 18:00 on the 30th
        got = operator.get(f"/v1/loans/{loan['id']}").json["delinquency"]
        assert (got["asOf"], got["daysPastDue"]) == ("2026-05-30", 0)
    finally:
        monkeypatch.delenv("LENDER_TIME_ZONE")
        reset_settings()
