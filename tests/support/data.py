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


def key() -> dict:
    """A fresh Idempotency-Key header (every money call carries one)."""
    import uuid

    return {"Idempotency-Key": str(uuid.uuid4())}


def flat_product(admin: ApiClient, **terms) -> dict:
    """A new TZS product with flat interest and equal installments, on the given terms."""
    body = {"currency": "TZS", "interestType": 1, "amortizationType": 1, **terms}
    reply = admin.post("/v1/loan-products", body)
    assert reply.status == 201, reply
    return reply.json


def monthly_product(admin: ApiClient, **overrides) -> dict:
    """5,000 over 4 monthly installments at 1% a month flat: 50.00 interest per installment."""
    terms = {"name": "Monthly flat", "principal": 5000, "minPrincipal": 100, "maxPrincipal": 100000}
    terms |= {"numberOfRepayments": 4, "repaymentEvery": 1, "repaymentFrequencyType": 2}
    return flat_product(admin, **{**terms, "interestRatePerPeriod": 1, "interestRateFrequencyType": 2, **overrides})


def weekly_product(admin: ApiClient, name: str, **overrides) -> dict:
    """The demo product's terms (10,000 at 11% flat for one 7-day installment) as a new product."""
    terms = {"name": name, "principal": 10000, "numberOfRepayments": 1, "repaymentEvery": 7}
    terms |= {"repaymentFrequencyType": 0, "interestRatePerPeriod": 11, "interestRateFrequencyType": 4}
    return flat_product(admin, **{**terms, **overrides})


def active_loan(client: ApiClient, product_id: int = 1, on: str = "2026-05-23", **overrides) -> dict:
    """A loan submitted, approved and disbursed (in cash) on `on`."""
    customer = new_customer(client, activationDate="2026-01-01")
    body = {
        "customerId": int(customer["id"]),
        "productId": product_id,
        "principal": overrides.pop("principal", 10000 if product_id == 1 else 5000),
        "submittedOnDate": on,
        "expectedDisbursementDate": on,
        **overrides,
    }
    loan = client.post("/v1/loans", body)
    assert loan.status == 201, loan
    lid = loan.json["id"]
    assert client.post(f"/v1/loans/{lid}/approve", {"approvedOnDate": on}).status == 200
    reply = client.post(
        f"/v1/loans/{lid}/disburse",
        {"actualDisbursementDate": on, "transactionAmount": body["principal"]},
        headers=key(),
    )
    assert reply.status == 200, reply
    return reply.json["loan"]


def repay(client: ApiClient, loan_id, amount, on: str = "2026-05-23", **extra):
    body = {"transactionDate": on, "transactionAmount": amount, "paymentTypeId": 1, "receiptNumber": "RCP-001", **extra}
    return client.post(f"/v1/loans/{loan_id}/repayments", body, headers=key())


def weekly_kes_product(admin: ApiClient) -> dict:
    """A product in a second currency (KES): 5,000 over 4 weekly installments at 2% a week flat."""
    body = {
        "name": "KES loan",
        "currency": "KES",
        "principal": 5000,
        "numberOfRepayments": 4,
        "repaymentEvery": 1,
        "repaymentFrequencyType": 1,
        "interestRatePerPeriod": 2,
        "interestRateFrequencyType": 1,
        "interestType": 1,
        "amortizationType": 1,
    }
    reply = admin.post("/v1/loan-products", body)
    assert reply.status == 201, reply
    return reply.json
