"""Early settlement, charges and charge-off through the API."""

from decimal import Decimal

import pytest

from tests.integration.test_repayments_api import assert_ties_out, net, portions, sub_ledger
from tests.support.data import active_loan, key, monthly_product, repay


@pytest.fixture
def funded(seeded, drain):
    drain()


def settle(client, loan_id, amount, on):
    body = {"transactionDate": on, "transactionAmount": amount, "paymentTypeId": 1, "receiptNumber": "SET-1"}
    return client.post(f"/v1/loans/{loan_id}/early-settlement", body, headers=key())


def test_payoff_mid_period_and_early_settlement(admin, operator, drain, funded):
    product = monthly_product(admin, settlementFee={"type": "percent", "value": 1, "name": "Settlement fee"})
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    quote = operator.get(f"/v1/loans/{loan['id']}/payoff", query={"date": "2026-06-16"}).json
    assert quote == {
        "loanId": loan["id"],
        "date": "2026-06-16",
        "currency": "TZS",
        "principal": Decimal("5000.00"),
        "interest": Decimal("75.00"),
        "interestDue": Decimal("50.00"),
        "interestProrated": Decimal("25.00"),
        "fees": Decimal("0.00"),
        "penalties": Decimal("0.00"),
        "settlementFee": Decimal("50.00"),
        "total": Decimal("5125.00"),
    }
    wrong = settle(operator, loan["id"], 5000, "2026-06-16")
    assert (wrong.status, wrong.json["reason"]) == (400, "PAYOFF_MISMATCH")
    assert "must equal the payoff amount 5125.00 on 2026-06-16" in wrong.json["message"]
    reply = settle(operator, loan["id"], 5125, "2026-06-16")
    assert reply.status == 200, reply
    assert reply.json["type"] == "Early Settlement"
    assert portions(reply.json)[:3] == (Decimal("5000.00"), Decimal("75.00"), Decimal("50.00"))
    assert reply.json["loan"]["status"] == "Closed (obligations met)"
    assert reply.json["loan"]["summary"]["totalOutstanding"] == 0
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "4100") == Decimal("-75.00")  # only the interest earned is booked
    assert net(ledger, "4200") == Decimal("-50.00")
    assert net(ledger, "1210") == net(ledger, "1220") == net(ledger, "1200") == 0
    schedule = operator.get(f"/v1/loans/{loan['id']}/schedule").json
    assert [i["totalWaived"] for i in schedule["installments"]] == [
        0,
        Decimal("25.00"),
        Decimal("50.00"),
        Decimal("50.00"),
    ]
    assert_ties_out(admin, drain, reply.json["loan"])


def test_settlement_reversal_restores_the_loan(admin, operator, drain, funded):
    product = monthly_product(admin, settlementFee={"type": "fixed", "value": 30})
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    total = operator.get(f"/v1/loans/{loan['id']}/payoff", query={"date": "2026-05-16"}).json["total"]
    settled = settle(operator, loan["id"], total, "2026-05-16").json
    reply = operator.post(f"/v1/loans/{loan['id']}/repayments/{settled['id']}/reverse", headers=key())
    assert reply.status == 200, reply
    assert reply.json["loan"]["status"] == "Active"
    assert reply.json["loan"]["summary"]["totalOutstanding"] == Decimal("5200.00")
    assert reply.json["loan"]["summary"]["feesOutstanding"] == 0
    assert_ties_out(admin, drain, reply.json["loan"])


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("mifos-standard-strategy", (0, Decimal("45.00"), Decimal("10.00"), Decimal("5.00"))),
        ("interest-principal-penalties-fees-order-strategy", (Decimal("10.00"), Decimal("50.00"), 0, 0)),
    ],
)
def test_strategies_on_a_multi_installment_loan(admin, operator, funded, strategy, expected):
    product = monthly_product(admin, transactionProcessingStrategyCode=strategy)
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    for name, kind, amount in (("Late penalty", "penalty", 5), ("Statement fee", "fee", 10)):
        reply = operator.post(
            f"/v1/loans/{loan['id']}/charges",
            {"name": name, "chargeType": kind, "amount": amount, "dueDate": "2026-06-01"},
            headers=key(),
        )
        assert reply.status == 201, reply
    schedule = operator.get(f"/v1/loans/{loan['id']}/schedule").json["installments"][0]
    assert (schedule["penaltiesDue"], schedule["feesDue"], schedule["interestDue"]) == (
        Decimal("5.00"),
        Decimal("10.00"),
        Decimal("50.00"),
    )
    payment = repay(operator, loan["id"], 60, on="2026-06-02").json
    assert portions(payment)[:4] == expected


def test_charge_waive_and_their_entries(admin, operator, drain, funded):
    product = monthly_product(admin)
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    charge = operator.post(
        f"/v1/loans/{loan['id']}/charges",
        {"name": "Late penalty", "chargeType": "penalty", "amount": 25, "dueDate": "2026-06-01"},
        headers=key(),
    ).json
    assert charge["loan"]["summary"]["penaltiesOutstanding"] == Decimal("25.00")
    repay(operator, loan["id"], 10, on="2026-06-02")  # pays 10 of the penalty first
    waived = operator.post(f"/v1/loans/{loan['id']}/charges/{charge['id']}/waive", {"note": "goodwill"}, headers=key())
    assert waived.status == 200, waived
    assert waived.json["waived"] is True
    assert waived.json["loan"]["summary"]["penaltiesOutstanding"] == 0
    ledger = sub_ledger(admin, drain, loan["id"])
    assessed, waiver = (e for e in ledger["entries"] if e["referenceType"] in ("charge", "waiver"))
    assert [(x["accountId"], x["debit"], x["credit"]) for x in assessed["lines"]] == [
        ("1230", Decimal("25.00"), 0),
        ("4300", 0, Decimal("25.00")),
    ]
    assert [(x["accountId"], x["debit"], x["credit"]) for x in waiver["lines"]] == [
        ("4300", Decimal("15.00"), 0),
        ("1230", 0, Decimal("15.00")),
    ]
    assert net(ledger, "1230") == 0
    twice = operator.post(f"/v1/loans/{loan['id']}/charges/{charge['id']}/waive", headers=key())
    assert (twice.status, twice.json["reason"]) == (400, "ALREADY_WAIVED")
    missing = operator.post(f"/v1/loans/{loan['id']}/charges/99/waive", headers=key())
    assert missing.status == 404
    listed = operator.get(f"/v1/loans/{loan['id']}/charges").json["items"]
    assert [(c["name"], c["waived"]) for c in listed] == [("Late penalty", True)]
    bad = operator.post(
        f"/v1/loans/{loan['id']}/charges",
        {"name": "", "chargeType": "bonus", "amount": -1, "dueDate": "2026-13-01"},
        headers=key(),
    )
    assert {d["field"] for d in bad.json["details"]} == {"name", "chargeType", "amount", "dueDate"}
    assert_ties_out(admin, drain, operator.get(f"/v1/loans/{loan['id']}").json)


def test_charge_off_and_recovery(admin, operator, drain, funded):
    loan = active_loan(operator)
    repay(operator, loan["id"], 2000)
    reply = operator.post(
        f"/v1/loans/{loan['id']}/charge-off", {"transactionDate": "2026-06-30", "note": "30 days late"}, headers=key()
    )
    assert reply.status == 200, reply
    assert (reply.json["status"], reply.json["chargedOff"], reply.json["chargedOffOn"]) == (
        "Active",
        True,
        "2026-06-30",
    )
    ledger = sub_ledger(admin, drain, loan["id"])
    charge_off = next(e for e in ledger["entries"] if e["referenceType"] == "charge-off")
    assert [(x["accountId"], x["debit"], x["credit"]) for x in charge_off["lines"]] == [
        ("5100", Decimal("9100.00"), 0),
        ("1200", 0, Decimal("9100.00")),
    ]
    again = operator.post(f"/v1/loans/{loan['id']}/charge-off", {"transactionDate": "2026-06-30"}, headers=key())
    assert (again.status, again.json["reason"]) == (400, "ALREADY_CHARGED_OFF")
    recovery = repay(operator, loan["id"], 1000, on="2026-07-15").json
    assert portions(recovery)[0] == Decimal("1000.00")
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "4400") == Decimal("-1000.00")
    assert net(ledger, "1200") == 0
    assert recovery["loan"]["summary"]["principalOutstanding"] == Decimal("8100.00")


def transaction_of(operator, loan_id, kind: str) -> dict:
    items = operator.get(f"/v1/loans/{loan_id}/transactions").json["items"]
    return next(t for t in items if t["type"] == kind)


def entry_lines(ledger, txn: dict) -> list:
    """The lines of the entries in force for a transaction, as (account, debit, credit)."""
    return [
        (x["accountId"], x["debit"], x["credit"])
        for e in ledger["entries"]
        if e["id"] in txn["entryIds"]
        for x in e["lines"]
    ]


def test_a_charge_off_shows_what_it_writes_off_after_the_repayment_before_it_is_reversed(
    admin, operator, drain, funded
):
    """Issue 26, case 7: the charge-off kept showing the principal outstanding when it was recorded."""
    loan = active_loan(operator)
    repaid = repay(operator, loan["id"], 2000).json  # 1,100 interest, 900 principal
    operator.post(f"/v1/loans/{loan['id']}/charge-off", {"transactionDate": "2026-06-30"}, headers=key())
    charged_off = transaction_of(operator, loan["id"], "Charge-off")
    assert (charged_off["amount"], charged_off["principal"]) == (Decimal("9100.00"), Decimal("9100.00"))
    reversed_ = operator.post(f"/v1/loans/{loan['id']}/repayments/{repaid['id']}/reverse", {}, headers=key())
    assert reversed_.status == 200, reversed_
    charged_off = transaction_of(operator, loan["id"], "Charge-off")
    assert (charged_off["amount"], charged_off["principal"]) == (Decimal("10000.00"), Decimal("10000.00"))
    one = operator.get(f"/v1/loans/{loan['id']}/transactions/{charged_off['id']}").json
    assert (one["amount"], one["principal"]) == (Decimal("10000.00"), Decimal("10000.00"))
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "5100") == Decimal("10000.00")
    assert entry_lines(ledger, charged_off) == [("5100", Decimal("10000.00"), 0), ("1200", 0, Decimal("10000.00"))]


def test_a_waiver_a_back_dated_payment_made_needless_shows_nothing_waived(admin, operator, drain, funded):
    """Issue 26, case 7: the waiver kept its amount and the charge `waived: true` after a payment
    dated before the waiver paid the penalty."""
    loan = active_loan(operator)
    charge = operator.post(
        f"/v1/loans/{loan['id']}/charges",
        {"name": "Late penalty", "chargeType": "penalty", "amount": 1000, "dueDate": "2026-05-25"},
        headers=key(),
    ).json
    assert (charge["paid"], charge["outstanding"], charge["waivedAmount"]) == (0, Decimal("1000.00"), 0)
    waived = operator.post(f"/v1/loans/{loan['id']}/charges/{charge['id']}/waive", headers=key()).json
    assert (waived["waived"], waived["waivedAmount"], waived["outstanding"]) == (True, Decimal("1000.00"), 0)
    paid = repay(operator, loan["id"], 1000, on="2026-05-26").json  # before the waiver: pays the penalty
    assert paid["penalties"] == Decimal("1000.00")
    waiver = transaction_of(operator, loan["id"], "Waiver")
    assert (waiver["amount"], waiver["penalties"], waiver["entryIds"]) == (0, 0, [])
    assert waiver["waiverLimit"] == Decimal("1000.00")
    listed = operator.get(f"/v1/loans/{loan['id']}/charges").json["items"]
    assert [(c["waived"], c["waivedAmount"], c["paid"], c["outstanding"]) for c in listed] == [
        (False, 0, Decimal("1000.00"), 0)
    ]
    ledger = sub_ledger(admin, drain, loan["id"])
    assert (net(ledger, "4300"), net(ledger, "1230")) == (Decimal("-1000.00"), 0)
    # Reversed, the payment no longer pays the penalty: the waiver forgives it again.
    operator.post(f"/v1/loans/{loan['id']}/repayments/{paid['id']}/reverse", {}, headers=key())
    waiver = transaction_of(operator, loan["id"], "Waiver")
    assert (waiver["amount"], waiver["penalties"]) == (Decimal("1000.00"), Decimal("1000.00"))
    ledger = sub_ledger(admin, drain, loan["id"])
    assert entry_lines(ledger, waiver) == [("4300", Decimal("1000.00"), 0), ("1230", 0, Decimal("1000.00"))]
    listed = operator.get(f"/v1/loans/{loan['id']}/charges").json["items"]
    assert [(c["waived"], c["waivedAmount"], c["paid"]) for c in listed] == [(True, Decimal("1000.00"), 0)]
