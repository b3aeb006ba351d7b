"""A rail account cannot be overdrawn on the local stack, whose functions run in separate processes:
disbursements racing for the last funds, payouts still PENDING counted, funding makes money
available (issue 26, case 1).

It pays out of the cash account of a currency no other test uses (UGX: 1100-UGX), so that what it
funds and spends is its own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.test_concurrency import client, concurrently, eventually
from tests.support.client import HttpClient
from tests.support.data import key, loan_body, new_customer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CASH = "1100-UGX"


def ugx_product(http: HttpClient) -> dict:
    body = {
        "name": "UGX loan",
        "currency": "UGX",
        "principal": 10000,
        "numberOfRepayments": 4,
        "repaymentEvery": 1,
        "repaymentFrequencyType": 1,
        "interestRatePerPeriod": 2,
        "interestRateFrequencyType": 1,
        "interestType": 1,
        "amortizationType": 1,
    }
    reply = http.post("/v1/loan-products", body)
    assert reply.status == 201, reply
    return reply.json


def approved_ugx_loan(http: HttpClient, product_id: int) -> str:
    customer = new_customer(http)
    terms = {
        "productId": product_id,
        "principal": 10000,
        "numberOfRepayments": 4,
        "loanTermFrequency": 4,
        "repaymentEvery": 1,
        "repaymentFrequencyType": 1,
        "loanTermFrequencyType": 1,
        "interestRatePerPeriod": 2,
    }
    loan = http.post("/v1/loans", loan_body(customer["id"], **terms))
    assert loan.status == 201, loan
    approved = http.post(f"/v1/loans/{loan.json['id']}/approve", {"approvedOnDate": "2026-05-23"})
    assert approved.status == 200, approved
    return loan.json["id"]


def post_entry(http: HttpClient, lines: list[dict]) -> None:
    body = {"entryDate": "2026-05-23", "description": "UGX float", "lines": lines}
    created = http.post("/v1/ledger/entries", body, headers=key())
    assert created.status == 201, created
    posted = http.post(f"/v1/ledger/entries/{created.json['id']}/post", headers=key())
    assert posted.status == 200, posted


def disburse(http: HttpClient, loan_id: str):
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}  # no method: cash
    return http.post(f"/v1/loans/{loan_id}/disburse", body, headers=key())


def cash_balance(http: HttpClient) -> Decimal:
    reply = http.get(f"/v1/ledger/accounts/{CASH}/balance")
    assert reply.status == 200, reply
    return Decimal(str(reply.json["balance"]))


def test_disbursements_racing_for_the_last_funds_never_overdraw_the_rail(stack):
    http = client(stack)
    product = ugx_product(http)
    loans = [approved_ugx_loan(http, int(product["id"])) for _ in range(4)]
    post_entry(http, [{"accountId": CASH, "debit": 15000}, {"accountId": "3000-UGX", "credit": 15000}])

    # Three at once for 15,000: one is paid, two are refused; the payout is still PENDING when the
    # fourth comes, which is refused too.
    replies = concurrently(3, lambda i: disburse(client(stack), loans[i]))
    assert sorted(r.status for r in replies) == [200, 402, 402], replies
    for refused in (r for r in replies if r.status == 402):
        assert (refused.json["code"], refused.json["reason"]) == ("failed_precondition", "INSUFFICIENT_FUNDS")
        assert refused.json["message"] == (
            f"Insufficient funds in disbursement account {CASH}: 5000 available, 10000 needed"
        )
    fourth = disburse(http, loans[3])
    assert (fourth.status, fourth.json["reason"]) == (402, "INSUFFICIENT_FUNDS")
    refused_loans = [loans[i] for i, r in enumerate(replies) if r.status == 402] + [loans[3]]
    assert {http.get(f"/v1/loans/{lid}").json["status"] for lid in refused_loans} == {"Approved"}

    # Funding makes money available: 10,000 more pays one more loan, and only one.
    post_entry(http, [{"accountId": CASH, "debit": 10000}, {"accountId": "3000-UGX", "credit": 10000}])
    again = concurrently(3, lambda i: disburse(client(stack), refused_loans[i]))
    assert sorted(r.status for r in again) == [200, 402, 402], again

    # Once both payouts are made, the ledger holds what is left: 25,000 in, 20,000 out.
    assert eventually(lambda: cash_balance(http) == Decimal(5000)), cash_balance(http)
    balance = http.get(f"/v1/ledger/accounts/{CASH}/balance").json
    assert Decimal(str(balance["available"])) == Decimal(5000)
