"""Request bodies of the seed's worked example, and helpers that walk a loan to a state."""

from __future__ import annotations

import itertools

from tests.support.client import ApiClient

_external_ids = itertools.count(1)


def customer_body(**overrides) -> dict:
    body = {
        "officeId": 1,
        "legalFormId": 1,
        "firstname": "Ada",
        "lastname": "Lovelace",
        "mobileNo": "255700000000",
        "externalId": f"ext-{next(_external_ids):04d}",
        "active": True,
        "activationDate": "2026-05-23",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def loan_body(customer_id: str | int, **overrides) -> dict:
    body = {
        "customerId": int(customer_id),
        "productId": 1,
        "principal": 10000,
        "loanTermFrequency": 7,
        "loanTermFrequencyType": 0,
        "numberOfRepayments": 1,
        "repaymentEvery": 7,
        "repaymentFrequencyType": 0,
        "interestRatePerPeriod": 11,
        "amortizationType": 1,
        "interestType": 1,
        "interestCalculationPeriodType": 1,
        "transactionProcessingStrategyCode": "mifos-standard-strategy",
        "expectedDisbursementDate": "2026-05-23",
        "submittedOnDate": "2026-05-23",
        "loanType": "individual",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def new_customer(client: ApiClient, **overrides) -> dict:
    reply = client.post("/v1/customers", customer_body(**overrides))
    assert reply.status == 201, reply
    return reply.json


def submitted_loan(client: ApiClient, **overrides) -> dict:
    customer = new_customer(client)
    reply = client.post("/v1/loans", loan_body(customer["id"], **overrides))
    assert reply.status == 201, reply
    return reply.json


def approved_loan(client: ApiClient, **overrides) -> dict:
    loan = submitted_loan(client, **overrides)
    reply = client.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-23"})
    assert reply.status == 200, reply
    return reply.json
