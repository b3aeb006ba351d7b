"""The borrower's statement through the API (issue 29): opening and closing balances of a period,
its transactions (a reversal shown as such), and a closing balance that is the loan's outstanding.

The demo loan: 10,000 at 11% flat for 7 days, disbursed 2026-05-23, 11,100 due 2026-05-30. It is
paid 2,000 on 2026-05-25 (1,100 interest, then 900 principal), 3,000 on 2026-06-10 (then reversed:
bounced) and 1,000 on 2026-06-15.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.data import active_loan, key, repay


@pytest.fixture
def loan(operator, funded, monkeypatch):
    from lms import clock

    monkeypatch.setattr(clock, "business_date", lambda: date(2026, 7, 1))
    made = active_loan(operator)
    assert repay(operator, made["id"], 2000, on="2026-05-25").status == 200
    bounced = repay(operator, made["id"], 3000, on="2026-06-10")
    assert bounced.status == 200
    reversed_ = operator.post(
        f"/v1/loans/{made['id']}/repayments/{bounced.json['id']}/reverse", {"reason": "bounced"}, headers=key()
    )
    assert reversed_.status == 200, reversed_
    assert repay(operator, made["id"], 1000, on="2026-06-15").status == 200
    return made


def balance(part: dict) -> tuple:
    return (part["principal"], part["interest"], part["fees"], part["penalties"], part["total"], part["overpaid"])


def test_a_months_statement_opens_and_closes_on_the_replayed_balances(viewer, loan):
    reply = viewer.get(f"/v1/loans/{loan['id']}/statement", query={"from": "2026-06-01", "to": "2026-06-30"})
    assert reply.status == 200, reply
    june = reply.json
    assert (june["periodFrom"], june["periodTo"], june["borrower"]["name"]) == (
        "2026-06-01",
        "2026-06-30",
        "Ada Lovelace",
    )
    # At the end of 2026-05-31: 11,100 less the 2,000 paid (interest first): 9,100 of principal.
    assert balance(june["openingBalance"]) == (Decimal("9100.00"), 0, 0, 0, Decimal("9100.00"), 0)
    # The bounced 3,000 is listed, reversed, and moves nothing; the 1,000 pays principal.
    assert [(t["type"], t["date"], t["amount"], t["principal"], t["reversed"]) for t in june["transactions"]] == [
        ("Repayment", "2026-06-10", Decimal("3000.00"), Decimal("3000.00"), True),
        ("Repayment", "2026-06-15", Decimal("1000.00"), Decimal("1000.00"), False),
    ]
    assert balance(june["closingBalance"]) == (Decimal("8100.00"), 0, 0, 0, Decimal("8100.00"), 0)
    (installment,) = june["schedule"]
    assert (installment["totalDue"], installment["totalPaid"], installment["totalOutstanding"]) == (
        Decimal("11100.00"),
        Decimal("3000.00"),
        Decimal("8100.00"),
    )


def test_the_whole_loans_statement_closes_on_its_outstanding(viewer, loan):
    whole = viewer.get(f"/v1/loans/{loan['id']}/statement").json
    summary = viewer.get(f"/v1/loans/{loan['id']}").json["summary"]
    assert (whole["periodFrom"], whole["periodTo"]) == ("2026-05-23", "2026-07-01")
    assert balance(whole["openingBalance"]) == (0, 0, 0, 0, 0, 0)  # nothing was owed before the disbursement
    assert whole["closingBalance"]["total"] == summary["totalOutstanding"] == Decimal("8100.00")
    assert whole["closingBalance"]["principal"] == summary["principalOutstanding"]
    assert [t["type"] for t in whole["transactions"]] == ["Disbursement", "Repayment", "Repayment", "Repayment"]


def test_bad_periods_are_refused_with_the_field(viewer, loan):
    for query, field, message in [
        ({"from": "2026-06-30", "to": "2026-06-01"}, "from", "must not be after to (2026-06-01)"),
        ({"to": "2026-07-02"}, "to", "must not be after today's business date (2026-07-01)"),
        ({"from": "30/06/2026"}, "from", "yyyy-MM-dd"),
    ]:
        reply = viewer.get(f"/v1/loans/{loan['id']}/statement", query=query)
        assert reply.status == 400, (query, reply)
        assert reply.json["details"][0]["field"] == field
        assert message in reply.json["details"][0]["message"]
    assert viewer.get("/v1/loans/999999/statement").status == 404
