"""Repayments through the API: the seed's allocation, overpayment and reversal examples, component
payments, back-dated payments, refunds, and the books every one of them posts."""

from datetime import timedelta
from decimal import Decimal

import pytest

from lms import clock
from tests.support.data import active_loan, key, monthly_product, repay


@pytest.fixture
def funded(seeded, drain):
    drain()


def portions(txn) -> tuple:
    return txn["principal"], txn["interest"], txn["fees"], txn["penalties"], txn["overpaymentPortion"]


def sub_ledger(admin, drain, loan_id) -> dict:
    drain()
    reply = admin.get(f"/v1/ledger/loans/{loan_id}/sub-ledger")
    assert reply.status == 200
    return reply.json


def net(ledger, account) -> Decimal:
    return next((a["netDebit"] for a in ledger["accounts"] if a["accountId"] == account), Decimal(0))


def assert_ties_out(admin, drain, loan) -> None:
    """Per loan, loans receivable equals the principal outstanding and interest receivable is not negative."""
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "1200") == loan["summary"]["principalOutstanding"]
    assert net(ledger, "1210") >= 0
    trial = admin.get("/v1/ledger/trial-balance").json
    assert trial["totalDebits"] == trial["totalCredits"]


def test_seed_allocation_example(operator, admin, drain, funded):
    loan = active_loan(operator)
    first = repay(operator, loan["id"], 2000)
    assert first.status == 200, first
    assert first.json["type"] == "Repayment"
    assert portions(first.json) == (Decimal("900.00"), Decimal("1100.00"), 0, 0, 0)
    assert first.json["loan"]["summary"]["totalOutstanding"] == Decimal("9100.00")
    second = repay(operator, loan["id"], 3000).json
    assert portions(second) == (Decimal("3000.00"), 0, 0, 0, 0)
    third = repay(operator, loan["id"], 6100).json
    assert portions(third) == (Decimal("6100.00"), 0, 0, 0, 0)
    assert third["loan"]["status"] == "Closed (obligations met)"
    assert third["loan"]["closedOnDate"] == "2026-05-23"
    assert third["loan"]["summary"]["totalOutstanding"] == 0
    ledger = sub_ledger(admin, drain, loan["id"])
    kinds = [e["referenceType"] for e in ledger["entries"]]
    # The payout was made (by the drain) after the repayments were recorded.
    assert kinds == ["disbursement", "interest-accrual", "repayment", "repayment", "repayment", "payout"]
    accrual = ledger["entries"][1]
    assert [(x["accountId"], x["debit"], x["credit"]) for x in accrual["lines"]] == [
        ("1210", Decimal("1100.00"), 0),
        ("4100", 0, Decimal("1100.00")),
    ]
    payment = ledger["entries"][2]
    assert [(x["accountId"], x["debit"], x["credit"]) for x in payment["lines"]] == [
        ("1100", Decimal("2000.00"), 0),
        ("1210", 0, Decimal("1100.00")),
        ("1200", 0, Decimal("900.00")),
    ]
    assert net(ledger, "1200") == net(ledger, "1210") == 0
    assert_ties_out(admin, drain, third["loan"])


def test_worked_example_repay_in_full(operator, admin, drain, funded):
    loan = active_loan(operator)
    reply = repay(operator, loan["id"], 11100, receiptNumber="RCP-001")
    assert portions(reply.json) == (Decimal("10000.00"), Decimal("1100.00"), 0, 0, 0)
    assert reply.json["loan"]["status"] == "Closed (obligations met)"


def test_overpayment_moves_to_overpaid_and_refund_closes(operator, admin, drain, funded):
    loan = active_loan(operator)
    reply = repay(operator, loan["id"], 12000)
    assert portions(reply.json) == (Decimal("10000.00"), Decimal("1100.00"), 0, 0, Decimal("900.00"))
    assert reply.json["reversed"] is False
    summary = reply.json["loan"]["summary"]
    assert (reply.json["loan"]["status"], summary["totalOutstanding"], summary["totalOverpaid"]) == (
        "Overpaid",
        0,
        Decimal("900.00"),
    )
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "2300") == Decimal("-900.00")
    more = repay(operator, loan["id"], 100)
    assert portions(more.json)[4] == Decimal("100.00")
    assert more.json["loan"]["summary"]["totalOverpaid"] == Decimal("1000.00")
    refund = operator.post(
        f"/v1/loans/{loan['id']}/refund",
        {"transactionDate": "2026-05-24", "paymentTypeId": 5, "mobileTransactionId": "QK7HG2X9PL"},
        headers=key(),
    )
    assert refund.status == 200, refund
    assert (refund.json["type"], refund.json["amount"]) == ("Refund", Decimal("1000.00"))
    assert refund.json["loan"]["status"] == "Closed (obligations met)"
    assert refund.json["loan"]["summary"]["totalOverpaid"] == 0
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "2300") == 0
    [refund_entry] = [e for e in ledger["entries"] if e["referenceType"] == "refund"]
    assert [(x["accountId"], x["debit"], x["credit"]) for x in refund_entry["lines"]] == [
        ("2300", Decimal("1000.00"), 0),
        ("1120", 0, Decimal("1000.00")),
    ]
    again = operator.post(
        f"/v1/loans/{loan['id']}/refund",
        {"transactionDate": "2026-05-24", "paymentTypeId": 1, "receiptNumber": "R1"},
        headers=key(),
    )
    assert (again.status, again.json["code"]) == (400, "failed_precondition")


def test_refund_of_part_of_the_credit(operator, funded):
    loan = active_loan(operator)
    repay(operator, loan["id"], 12000)
    reply = operator.post(
        f"/v1/loans/{loan['id']}/refund",
        {"transactionDate": "2026-05-24", "transactionAmount": 400, "paymentTypeId": 1, "receiptNumber": "RF-1"},
        headers=key(),
    )
    assert reply.json["loan"]["status"] == "Overpaid"
    assert reply.json["loan"]["summary"]["totalOverpaid"] == Decimal("500.00")
    too_much = operator.post(
        f"/v1/loans/{loan['id']}/refund",
        {"transactionDate": "2026-05-24", "transactionAmount": 501, "paymentTypeId": 1, "receiptNumber": "RF-2"},
        headers=key(),
    )
    assert (too_much.status, too_much.json["details"][0]["field"]) == (400, "transactionAmount")


def test_seed_reversal_example(operator, admin, drain, funded):
    loan = active_loan(operator)
    assert loan["summary"]["totalOutstanding"] == Decimal("11100.00")
    paid = repay(operator, loan["id"], 5000).json
    assert paid["loan"]["summary"]["totalOutstanding"] == Decimal("6100.00")
    reply = operator.post(
        f"/v1/loans/{loan['id']}/repayments/{paid['id']}/reverse", {"reason": "bounced"}, headers=key()
    )
    assert reply.status == 200, reply
    assert reply.json["reversed"] is True
    assert portions(reply.json)[:2] == (Decimal("3900.00"), Decimal("1100.00"))  # the split stays visible
    assert reply.json["loan"]["summary"]["totalOutstanding"] == Decimal("11100.00")
    assert reply.json["loan"]["status"] == "Active"
    twice = operator.post(f"/v1/loans/{loan['id']}/repayments/{paid['id']}/reverse", headers=key())
    assert (twice.status, twice.json["code"], twice.json["reason"]) == (400, "failed_precondition", "ALREADY_REVERSED")
    listed = operator.get(f"/v1/loans/{loan['id']}/transactions").json
    assert [(t["type"], t["reversed"]) for t in listed["items"]] == [("Disbursement", False), ("Repayment", True)]
    ledger = sub_ledger(admin, drain, loan["id"])
    assert net(ledger, "1200") == Decimal("10000.00")
    assert net(ledger, "1100") == Decimal("-9764.00")
    assert_ties_out(admin, drain, reply.json["loan"])
    disbursement = operator.post(f"/v1/loans/{loan['id']}/repayments/1/reverse", headers=key())
    assert (disbursement.status, disbursement.json["reason"]) == (400, "NOT_A_PAYMENT")


def test_reversing_the_middle_of_three_repayments_replays_the_last(admin, operator, drain, funded):
    product = monthly_product(admin)
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    first = repay(operator, loan["id"], 1000, on="2026-06-01").json
    middle = repay(operator, loan["id"], 1000, on="2026-06-15").json
    last = repay(operator, loan["id"], 1000, on="2026-07-01").json
    assert portions(first)[:2] == (Decimal("950.00"), Decimal("50.00"))
    assert portions(middle)[:2] == (Decimal("950.00"), Decimal("50.00"))  # into the next installment
    assert portions(last)[:2] == (Decimal("950.00"), Decimal("50.00"))
    reply = operator.post(f"/v1/loans/{loan['id']}/repayments/{middle['id']}/reverse", headers=key())
    assert reply.json["loan"]["summary"]["totalOutstanding"] == Decimal("3200.00")
    replayed = operator.get(f"/v1/loans/{loan['id']}/transactions/{last['id']}").json
    assert portions(replayed)[:2] == (Decimal("950.00"), Decimal("50.00"))
    schedule = operator.get(f"/v1/loans/{loan['id']}/schedule").json
    assert [i["totalPaid"] for i in schedule["installments"]] == [Decimal("1300.00"), Decimal("700.00"), 0, 0]
    assert_ties_out(admin, drain, reply.json["loan"])


def test_reversal_that_changes_a_later_split_reposts_it(admin, operator, drain, funded):
    product = monthly_product(admin)
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    repay(operator, loan["id"], 40, on="2026-06-01")  # interest only
    later = repay(operator, loan["id"], 100, on="2026-06-02").json
    assert portions(later)[:2] == (Decimal("90.00"), Decimal("10.00"))
    operator.post(f"/v1/loans/{loan['id']}/repayments/1/reverse", headers=key())  # id 1 is the disbursement
    reversal = operator.post(f"/v1/loans/{loan['id']}/repayments/2/reverse", headers=key())
    assert reversal.status == 200
    replayed = operator.get(f"/v1/loans/{loan['id']}/transactions/{later['id']}").json
    assert portions(replayed)[:2] == (Decimal("50.00"), Decimal("50.00"))
    assert len(replayed["entryIds"]) == 1
    ledger = sub_ledger(admin, drain, loan["id"])
    reposted = [e for e in ledger["entries"] if e["referenceId"] == f"{loan['id']}/{later['id']}"]
    assert [e["status"] for e in reposted] == ["reversed", "posted", "posted"]  # original, its reversal, re-post
    assert_ties_out(admin, drain, reversal.json["loan"])


def test_back_dated_repayment_is_applied_in_date_order(admin, operator, drain, funded):
    product = monthly_product(admin, transactionProcessingStrategyCode="mifos-standard-strategy")
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    later = repay(operator, loan["id"], 30, on="2026-06-10").json
    assert portions(later)[:2] == (0, Decimal("30.00"))
    earlier = repay(operator, loan["id"], 40, on="2026-06-05").json
    assert portions(earlier)[:2] == (0, Decimal("40.00"))
    replayed = operator.get(f"/v1/loans/{loan['id']}/transactions/{later['id']}").json
    assert portions(replayed)[:2] == (Decimal("20.00"), Decimal("10.00"))
    dates = [t["date"] for t in operator.get(f"/v1/loans/{loan['id']}/transactions").json["items"]]
    assert dates == sorted(dates)
    assert_ties_out(admin, drain, operator.get(f"/v1/loans/{loan['id']}").json)


def test_component_payments(operator, admin, drain, funded):
    loan = active_loan(operator)
    reply = repay(operator, loan["id"], 1500, principalPortion=1000, interestPortion=500)
    assert reply.status == 200, reply
    assert portions(reply.json)[:2] == (Decimal("1000.00"), Decimal("500.00"))
    wrong_sum = repay(operator, loan["id"], 1500, principalPortion=1000, interestPortion=400)
    assert (wrong_sum.status, wrong_sum.json["details"][0]["field"]) == (400, "transactionAmount")
    too_much = repay(operator, loan["id"], 700, interestPortion=700)
    assert too_much.status == 400
    assert too_much.json["details"] == [
        {"field": "interestPortion", "message": "700.00 exceeds the 600.00 of interest outstanding"}
    ]
    fees = repay(operator, loan["id"], 5, feePortion=5)
    assert fees.json["details"][0]["field"] == "feePortion"
    after = operator.get(f"/v1/loans/{loan['id']}").json
    assert after["summary"]["totalOutstanding"] == Decimal("9600.00")
    assert len(operator.get(f"/v1/loans/{loan['id']}/transactions").json["items"]) == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"paymentTypeId": 1, "receiptNumber": None}, "receiptNumber"),
        ({"paymentTypeId": 2, "receiptNumber": None, "traceNumber": "123"}, "traceNumber"),
        ({"paymentTypeId": 3, "checkNumber": "12a"}, "checkNumber"),
        ({"paymentTypeId": 4, "receiptNumber": None}, "wireReference"),
        ({"paymentTypeId": 9}, "paymentTypeId"),
        ({"paymentTypeId": 1, "traceNumber": "123456789012345"}, "traceNumber"),
    ],
)
def test_payment_references(operator, funded, extra, field):
    loan = active_loan(operator)
    body = {"transactionDate": "2026-05-23", "transactionAmount": 100, "receiptNumber": "RCP-9", **extra}
    reply = operator.post(
        f"/v1/loans/{loan['id']}/repayments", {k: v for k, v in body.items() if v is not None}, headers=key()
    )
    assert reply.status == 400, reply
    assert field in [d["field"] for d in reply.json["details"]]


def test_each_payment_type_credits_its_account(operator, admin, drain, funded):
    types = operator.get("/v1/payment-types").json["items"]
    assert [(t["name"], t["cashAccountId"], t["referenceField"]) for t in types] == [
        ("Cash", "1100", "receiptNumber"),
        ("ACH", "1140", "traceNumber"),
        ("Check", "1150", "checkNumber"),
        ("Wire", "1160", "wireReference"),
        ("Mobile money", "1120", "mobileTransactionId"),
    ]
    loan = active_loan(operator)
    reply = operator.post(
        f"/v1/loans/{loan['id']}/repayments",
        {
            "transactionDate": "2026-05-23",
            "transactionAmount": 100,
            "paymentTypeId": 2,
            "traceNumber": "021000021234567",
        },
        headers=key(),
    )
    assert reply.status == 200, reply
    *_, entry = [e for e in sub_ledger(admin, drain, loan["id"])["entries"] if e["referenceType"] == "repayment"]
    assert entry["lines"][0]["accountId"] == "1140"


def test_repayment_dates_and_states(operator, admin, funded):
    loan = active_loan(operator)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    future = repay(operator, loan["id"], 100, on=tomorrow)
    assert (future.status, future.json["message"]) == (403, "The transaction date cannot be in the future.")
    early = repay(operator, loan["id"], 100, on="2026-05-22")
    assert (early.status, early.json["code"]) == (403, "permission_denied")
    assert "cannot be earlier than" in early.json["message"]
    malformed = repay(operator, loan["id"], 100, on="2026/05/23")
    assert (malformed.status, malformed.json["details"][0]["field"]) == (400, "transactionDate")
    from tests.support.data import approved_loan

    approved = approved_loan(operator)
    wrong_state = repay(operator, approved["id"], 100)
    assert (wrong_state.status, wrong_state.json["message"]) == (400, "Loan must be Active, Fully Paid or Overpaid")


def test_repayment_is_idempotent(operator, funded):
    loan = active_loan(operator)
    body = {"transactionDate": "2026-05-23", "transactionAmount": 100, "paymentTypeId": 1, "receiptNumber": "RCP-1"}
    headers = {"Idempotency-Key": "pay-100"}
    first = operator.post(f"/v1/loans/{loan['id']}/repayments", body, headers=headers)
    second = operator.post(f"/v1/loans/{loan['id']}/repayments", body, headers=headers)
    assert first.raw == second.raw and second.headers["Idempotent-Replayed"] == "true"
    assert len(operator.get(f"/v1/loans/{loan['id']}/transactions").json["items"]) == 2
