"""The local stack end to end: the seed's worked example (state-machine part) over HTTP."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import STACK

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_worked_example_state_machine(stack):
    http = stack.session(stack.admin_key)
    base = stack.base_url
    customer = http.post(
        f"{base}/v1/customers",
        json={
            "officeId": 1,
            "legalFormId": 1,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "mobileNo": "255700000000",
            "externalId": "e2e-ext-001",
            "active": True,
            "activationDate": "2026-05-23",
        },
    )
    assert customer.status_code == 201, customer.text
    cid = customer.json()["id"]
    loan = http.post(
        f"{base}/v1/loans",
        data=(
            f'{{"customerId": {cid}, "productId": 1, "principal": 10000, "loanTermFrequency": 7, '
            '"loanTermFrequencyType": 0, "numberOfRepayments": 1, "repaymentEvery": 7, '
            '"repaymentFrequencyType": 0, "interestRatePerPeriod": 11, "amortizationType": 1, '
            '"interestType": 1, "interestCalculationPeriodType": 1, '
            '"transactionProcessingStrategyCode": "mifos-standard-strategy", '
            '"expectedDisbursementDate": "2026-05-23", "submittedOnDate": "2026-05-23", "loanType": "individual"}'
        ),
        headers={"Content-Type": "application/json"},
    )
    assert loan.status_code == 201, loan.text
    lid = loan.json()["id"]
    assert loan.json()["status"] == "Submitted"
    approved = http.post(
        f"{base}/v1/loans/{lid}/approve", json={"approvedOnDate": "2026-05-23", "approvedLoanAmount": 10000}
    )
    assert approved.json()["status"] == "Approved"
    assert '"principal": 10000.00' in approved.text  # money is a JSON number at the currency's scale
    twice = http.post(f"{base}/v1/loans/{lid}/approve", json={"approvedOnDate": "2026-05-23"})
    assert (twice.status_code, twice.json()["message"]) == (400, "Loan is already approved")
    assert http.post(f"{base}/v1/loans/{lid}/undo-approval", json={}).json()["status"] == "Submitted"
    assert (
        http.post(f"{base}/v1/loans/{lid}/reject", json={"rejectedOnDate": "2026-05-23"}).json()["status"] == "Rejected"
    )
    refused = http.post(f"{base}/v1/loans/{lid}/approve", json={"approvedOnDate": "2026-05-23"})
    assert refused.status_code == 400


def test_worked_example_to_closed_with_ledger(stack):
    """The seed's whole worked example, money calls with an Idempotency-Key, then the books."""
    import time
    import uuid

    http = stack.session(stack.admin_key)
    base = stack.base_url
    money = lambda: {"Idempotency-Key": str(uuid.uuid4())}  # noqa: E731
    cid = http.post(
        f"{base}/v1/customers",
        json={
            "officeId": 1,
            "legalFormId": 1,
            "firstname": "Grace",
            "lastname": "Hopper",
            "mobileNo": "255700000001",
            "externalId": "e2e-ext-002",
            "active": True,
            "activationDate": "2026-05-23",
        },
    ).json()["id"]
    lid = http.post(
        f"{base}/v1/loans",
        json={
            "customerId": int(cid),
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
        },
    ).json()["id"]
    assert http.post(
        f"{base}/v1/loans/{lid}/approve", json={"approvedOnDate": "2026-05-23", "approvedLoanAmount": 10000}
    ).ok
    disbursed = http.post(
        f"{base}/v1/loans/{lid}/disburse",
        json={"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000},
        headers=money(),
    )
    assert disbursed.status_code == 200, disbursed.text
    repaid = http.post(
        f"{base}/v1/loans/{lid}/repayments",
        json={
            "transactionDate": "2026-05-23",
            "transactionAmount": 11100,
            "paymentTypeId": 1,
            "receiptNumber": "RCP-001",
        },
        headers=money(),
    )
    assert repaid.status_code == 200, repaid.text
    assert repaid.json()["loan"]["status"] == "Closed (obligations met)"
    assert http.get(f"{base}/v1/loans/{lid}").json()["status"] == "Closed (obligations met)"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the ledger projections run in the background, as on AWS
        ledger = http.get(f"{base}/v1/ledger/loans/{lid}/sub-ledger").json()
        receivable = http.get(f"{base}/v1/ledger/accounts/1200/balance").json()["balance"]
        if len(ledger["entries"]) == 4 and receivable == 0:
            break
        time.sleep(0.2)
    kinds = [e["referenceType"] for e in ledger["entries"]]
    # The payout commits whenever the sandbox provider answers: before or after the repayment.
    assert [k for k in kinds if k != "payout"] == ["disbursement", "interest-accrual", "repayment"]
    assert kinds.count("payout") == 1
    trial = http.get(f"{base}/v1/ledger/trial-balance").json()
    assert trial["totalDebits"] == trial["totalCredits"]
    detail = http.get(f"{base}/v1/ledger/gl-detail", params={"accountId": "1200"})
    assert detail.status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the accounting push runs in the background too
        received = requests.get(f"{stack.accounting_url}/events", params={"loanId": lid}, timeout=5).json()["events"]
        if len([e for e in received if e["accepted"]]) == 3:
            break
        time.sleep(0.2)
    assert [e["eventType"] for e in received if e["accepted"]] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    books = requests.get(f"{stack.accounting_url}/invoices", params={"loanId": lid}, timeout=5).json()
    assert books["outstandingPrincipal"] == 0 and books["openInterest"] == 0


def test_every_template_route_is_served(stack):
    http = stack.session(stack.admin_key)
    for route in STACK.routes:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        reply = http.request(route.method, stack.base_url + path, data=b"{}")
        assert reply.status_code < 500, (route, reply.text)
        if reply.status_code == 404:
            assert reply.json().get("reason"), f"{route.method} {route.path} is not served"


def test_keys_in_either_header_and_401_without(stack):
    base = stack.base_url
    assert stack.session().get(f"{base}/v1/loans").status_code == 401
    assert stack.session().get(f"{base}/v1/loans", headers={"X-API-Key": stack.admin_key}).status_code == 200
    assert stack.session().get(f"{base}/v1/openapi.json").status_code == 200


def test_concurrent_approvals_over_http(stack):
    http = stack.session(stack.admin_key)
    base = stack.base_url
    cid = http.post(
        f"{base}/v1/customers",
        json={
            "officeId": 1,
            "legalFormId": 2,
            "fullname": "Concurrent Ltd",
            "active": True,
            "activationDate": "2026-05-23",
        },
    ).json()["id"]
    lid = http.post(
        f"{base}/v1/loans",
        json={
            "customerId": cid,
            "productId": 1,
            "principal": 10000,
            "submittedOnDate": "2026-05-23",
            "expectedDisbursementDate": "2026-05-23",
        },
    ).json()["id"]

    def approve(_):
        return stack.session(stack.admin_key).post(
            f"{base}/v1/loans/{lid}/approve", json={"approvedOnDate": "2026-05-23"}
        )

    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(approve, range(10)))
    assert sorted(r.status_code for r in replies).count(200) == 1
    assert http.get(f"{base}/v1/loans/{lid}").json()["version"] == 2
