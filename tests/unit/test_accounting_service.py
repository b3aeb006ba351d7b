"""The local accounting system (devstack.accounting): the receiving side of the LMS → Accounting push.

One server per module on a free port, spoken to over real HTTP; each test starts from empty books.
Reversals are off by default, so their tests use a second server started with reversals_enabled=True.
Responses are decoded with parse_float=Decimal so amounts are compared exactly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import simplejson

from devstack.accounting.ledger import DISBURSEMENT, Books, vat_on
from devstack.accounting.server import AccountingServer
from tests.support.processes import python_with_ctrl_c_ignored

KEY = "test-accounting-key"
REPO = Path(__file__).resolve().parents[2]
DROP = object()  # marks a field to remove from a payload

DISB = "/lms-integration/disbursement"
REVENUE = "/lms-integration/revenue-report"
REPAY = "/lms-integration/repayment"
SETTLE = "/lms-integration/early-settlement"
REVERSE = "/lms-integration/reversal"

PARTY = {"customerId": "C1", "customerName": "Jane Doe", "loanId": "L1"}
DISBURSEMENT_BODY = {
    **PARTY,
    "loanAmount": 10000,
    "adminFee": 200,
    "vatOnAdminFee": 36,
    "disbursementDate": "2026-05-01",
}
REVENUE_BODY = {**PARTY, "revenueMonth": "2026-05", "revenueAmount": 600}
REPAYMENT_BODY = {
    **PARTY,
    "repaymentPrincipal": 1000,
    "repaymentInterest": 100,
    "repaymentDate": "2026-06-05",
    "feeAmount": 0,
    "feeName": "",
}
SETTLEMENT_BODY = {
    **PARTY,
    "repaymentEarlySettlementPrincipal": 10000,
    "repaymentEarlySettlementInterest": 600,
    "repaymentEarlySettlementDate": "2026-06-15",
    "feeAmount": 0,
    "feeName": "",
}


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with AccountingServer(port=0, api_key=KEY) as running:
        yield running


@pytest.fixture(scope="module")
def reversing_server():
    with AccountingServer(port=0, api_key=KEY, reversals_enabled=True) as running:
        yield running


@pytest.fixture(autouse=True)
def clean_books(server):
    assert requests.post(f"{server.url}/_control/reset", timeout=5).status_code == 200


@pytest.fixture
def rev(reversing_server):
    assert requests.post(f"{reversing_server.url}/_control/reset", timeout=5).status_code == 200
    return reversing_server


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {**base, **changes}
    return {k: v for k, v in body.items() if v is not DROP}


def decoded(response: requests.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def post(
    server, path: str, body: Any, *, key: str | None = KEY, event_id: str | None = None, **kwargs: Any
) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"X-LMS-API-Key": key} if key is not None else {})}
    if event_id is not None:
        headers["X-LMS-Event-Id"] = event_id
    # simplejson prints Decimal as a JSON number, as the platform must; json.dumps would refuse it.
    data = body if isinstance(body, (str, bytes)) else simplejson.dumps(body, use_decimal=True)
    return requests.post(f"{server.url}{path}", data=data, headers=headers, timeout=kwargs.pop("timeout", 5), **kwargs)


def push(server, path: str, body: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    response = post(server, path, body, event_id=event_id)
    assert response.status_code == 200, response.text
    return decoded(response)


def accepted(server, path: str, body: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    result = push(server, path, body, event_id)
    assert result["success"] is True, result
    return result


def rejected(server, path: str, body: dict[str, Any], event_id: str | None = None) -> list[str]:
    result = push(server, path, body, event_id)
    assert (result["success"], result["status"]) == (False, "FAILED"), result
    return result["errors"]


def loan(server, loan_id: str = "L1") -> dict[str, Any]:
    response = requests.get(f"{server.url}/invoices", params={"loanId": loan_id}, timeout=5)
    assert response.status_code == 200, response.text
    return decoded(response)


def all_books(server) -> dict[str, Any]:
    return decoded(requests.get(f"{server.url}/invoices", timeout=5))


def events(server, loan_id: str | None = None) -> list[dict[str, Any]]:
    params = {"loanId": loan_id} if loan_id else None
    return decoded(requests.get(f"{server.url}/events", params=params, timeout=5))["events"]


def invoice(books: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return next(i for i in books["invoices"] if i["invoiceId"] == invoice_id)


def lines(inv: dict[str, Any]) -> dict[str, Decimal]:
    return {line["kind"]: line["amount"] for line in inv["lines"]}


def open_balances(server, loan_id: str = "L1") -> dict[str, Decimal]:
    return {i["invoiceId"]: i["openBalance"] for i in loan(server, loan_id)["invoices"] if i["type"] == "INTEREST"}


def control(server, spec: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}/_control/outage", json=spec, timeout=5)


# ---------------------------------------------------------------------------------------------
# Transport: key check, malformed bodies, routing
# ---------------------------------------------------------------------------------------------


def test_missing_key_is_401_before_the_body_is_read(server):
    response = post(server, DISB, "{this is not json", key=None)
    assert response.status_code == 401
    assert decoded(response) == {
        "success": False,
        "status": "UNAUTHORIZED",
        "message": "Missing or invalid X-LMS-API-Key",
    }
    [entry] = events(server)
    assert (entry["httpStatus"], entry["status"], entry["body"]) == (401, "UNAUTHORIZED", None)


def test_wrong_key_is_401_and_changes_nothing(server):
    response = post(server, DISB, DISBURSEMENT_BODY, key="not-the-key")
    assert response.status_code == 401
    assert decoded(response)["status"] == "UNAUTHORIZED"
    assert all_books(server) == {"loans": []}


def test_connection_stays_usable_after_a_401(server):
    # The 401 body is drained unparsed, so the next request on the same keep-alive connection is framed correctly.
    with requests.Session() as session:
        url = f"{server.url}{DISB}"
        first = session.post(url, data=json.dumps(DISBURSEMENT_BODY), timeout=5)
        second = session.post(url, data=json.dumps(DISBURSEMENT_BODY), headers={"X-LMS-API-Key": KEY}, timeout=5)
    assert first.status_code == 401
    assert second.status_code == 200
    assert decoded(second)["success"] is True


@pytest.mark.parametrize(
    "raw",
    ["{bad json", "", "[]", '"text"', "42", "null", '{"loanAmount": NaN}', b"\xff\xfe{}"],
    ids=["syntax", "empty", "array", "string", "number", "null", "nan", "not-utf8"],
)
def test_malformed_json_is_400(server, raw):
    response = post(server, DISB, raw)
    assert response.status_code == 400
    assert decoded(response) == {"success": False, "status": "BAD_REQUEST", "message": "Malformed JSON body"}
    assert all_books(server) == {"loans": []}
    assert events(server)[-1]["status"] == "BAD_REQUEST"


def test_unknown_path_is_404_and_wrong_method_is_405(server):
    assert post(server, "/lms-integration/refund", DISBURSEMENT_BODY).status_code == 404
    assert requests.get(f"{server.url}/nowhere", timeout=5).status_code == 404
    response = requests.get(f"{server.url}{DISB}", timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_unknown_loan_view_is_404(server):
    assert requests.get(f"{server.url}/invoices", params={"loanId": "L404"}, timeout=5).status_code == 404


# ---------------------------------------------------------------------------------------------
# Success paths and the books they leave
# ---------------------------------------------------------------------------------------------


def test_disbursement_creates_invoice_with_recalculated_vat(server):
    # The client's vatOnAdminFee is informational: a wrong value must not change the booked VAT.
    result = accepted(server, DISB, with_(DISBURSEMENT_BODY, vatOnAdminFee=99.99))
    assert result == {
        "success": True,
        "status": "PUSHED",
        "message": "Disbursement invoice DISB-L1 created",
        "eventType": "DISBURSEMENT",
        "invoiceIds": ["DISB-L1"],
    }

    books = loan(server)
    assert books["customer"] == {"contactId": "LMS-C1", "customerId": "C1", "name": "Jane Doe"}
    assert books["settled"] is False
    disbursement = invoice(books, "DISB-L1")
    assert disbursement["date"] == "2026-05-01"
    assert lines(disbursement) == {
        "PRINCIPAL_RECEIVABLE": Decimal("10000"),
        "ADMIN_FEE": Decimal("200"),
        "VAT_ON_ADMIN_FEE": Decimal("36.00"),
        "BANK_DISBURSEMENT": Decimal("9764.00"),
    }
    assert disbursement["outstandingPrincipal"] == Decimal("10000")
    assert disbursement["clientVatOnAdminFee"] == Decimal("99.99")


def test_amounts_travel_as_json_numbers_with_their_scale(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    raw = requests.get(f"{server.url}/invoices", params={"loanId": "L1"}, timeout=5).text
    assert '"amount": 36.00' in raw
    assert '"amount": 9764.00' in raw


def test_zero_admin_fee_is_allowed(server):
    accepted(server, DISB, with_(DISBURSEMENT_BODY, adminFee=0, vatOnAdminFee=DROP))
    assert lines(invoice(loan(server), "DISB-L1"))["BANK_DISBURSEMENT"] == Decimal("10000.00")


@pytest.mark.parametrize(
    ("admin_fee", "vat", "bank"),
    [("0.25", "0.04", "99.71"), ("0.75", "0.14", "99.11"), ("12.5", "2.25", "85.25")],
)
def test_vat_rounds_half_even_to_the_cent(server, admin_fee, vat, bank):
    # 0.25 x 18% = 0.045 -> 0.04 and 0.75 x 18% = 0.135 -> 0.14: banker's rounding, not half-up.
    accepted(server, DISB, with_(DISBURSEMENT_BODY, loanAmount=100, adminFee=Decimal(admin_fee)))
    booked = lines(invoice(loan(server), "DISB-L1"))
    assert (booked["VAT_ON_ADMIN_FEE"], booked["BANK_DISBURSEMENT"]) == (Decimal(vat), Decimal(bank))


def test_vat_rate_is_configurable():
    assert vat_on(Decimal("200"), Decimal("15")) == Decimal("30.00")
    books = Books(vat_rate=Decimal("15"))
    body = {**DISBURSEMENT_BODY, "loanAmount": Decimal("1000"), "adminFee": Decimal("100")}
    assert books.receive(DISBURSEMENT, body).accepted
    booked = lines(invoice(books.loan("L1"), "DISB-L1"))
    assert (booked["VAT_ON_ADMIN_FEE"], booked["BANK_DISBURSEMENT"]) == (Decimal("15.00"), Decimal("885.00"))


def test_revenue_report_creates_month_end_interest_invoice(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    result = accepted(server, REVENUE, REVENUE_BODY)
    assert result["eventType"] == "REVENUE_REPORT"
    assert result["invoiceIds"] == ["INT-L1-1"]
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2028-02", revenueAmount=Decimal("12.34")))

    books = loan(server)
    may, february = invoice(books, "INT-L1-1"), invoice(books, "INT-L1-2")
    assert (may["date"], may["amount"], may["openBalance"]) == ("2026-05-31", 600, 600)
    assert february["date"] == "2028-02-29"  # leap year: the real last day of the month
    assert february["openBalance"] == Decimal("12.34")
    assert books["openInterest"] == Decimal("612.34")


def test_repayment_reduces_principal_and_interest_and_records_the_fee(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    body = with_(
        REPAYMENT_BODY, repaymentPrincipal=Decimal("1000.50"), repaymentInterest=100, feeAmount=25, feeName="Late fee"
    )
    result = accepted(server, REPAY, body)
    assert result["eventType"] == "REPAYMENT"
    assert result["invoiceIds"] == ["DISB-L1", "INT-L1-1"]

    books = loan(server)
    assert invoice(books, "DISB-L1")["outstandingPrincipal"] == Decimal("8999.50")
    assert invoice(books, "INT-L1-1")["openBalance"] == Decimal("500")
    [payment] = books["payments"]
    assert payment["paymentId"] == "PAY-L1-1"
    assert payment["date"] == "2026-06-05"
    assert {"kind": "FEE", "description": "Late fee", "amount": Decimal("25")} in payment["lines"]


def test_interest_is_applied_fifo_across_invoices(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-05", revenueAmount=600))
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-06", revenueAmount=500))
    accepted(server, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=0, repaymentInterest=700))
    assert open_balances(server) == {"INT-L1-1": Decimal("0"), "INT-L1-2": Decimal("400")}
    payment = loan(server)["payments"][0]
    assert [(line["invoiceId"], line["amount"]) for line in payment["lines"]] == [("INT-L1-1", 600), ("INT-L1-2", 100)]


def test_fifo_goes_by_invoice_date_then_creation_order(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-06", revenueAmount=500))  # INT-L1-1
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-05", revenueAmount=600))  # INT-L1-2, older
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-05", revenueAmount=50))  # INT-L1-3, same date
    accepted(server, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=0, repaymentInterest=620))
    assert open_balances(server) == {"INT-L1-1": 500, "INT-L1-2": 0, "INT-L1-3": 30}


def test_interest_may_clear_exactly_the_open_balance(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    accepted(server, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=10000, repaymentInterest=600))
    books = loan(server)
    assert (books["outstandingPrincipal"], books["openInterest"]) == (0, 0)
    assert books["settled"] is False  # only an early settlement closes the loan


def test_early_settlement_pays_off_and_closes_the_loan(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    body = with_(SETTLEMENT_BODY, feeAmount=50, feeName="Early settlement fee")
    result = accepted(server, SETTLE, body)
    assert result["eventType"] == "EARLY_SETTLEMENT"
    assert result["invoiceIds"] == ["DISB-L1", "INT-L1-1"]

    books = loan(server)
    assert books["settled"] is True
    assert books["settlementDate"] == "2026-06-15"
    assert (books["outstandingPrincipal"], books["openInterest"]) == (0, 0)
    [payment] = books["payments"]
    assert payment["eventType"] == "EARLY_SETTLEMENT"
    assert {"kind": "FEE", "description": "Early settlement fee", "amount": Decimal("50")} in payment["lines"]


def test_a_customer_contact_is_shared_by_their_loans(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, DISB, with_(DISBURSEMENT_BODY, loanId="L2", customerName="Jane Q. Doe"))
    assert loan(server, "L2")["customer"] == loan(server, "L1")["customer"]
    assert [b["loanId"] for b in all_books(server)["loans"]] == ["L1", "L2"]


# ---------------------------------------------------------------------------------------------
# Validation failures: HTTP 200, success false, books untouched
# ---------------------------------------------------------------------------------------------

NEW_LOAN = with_(DISBURSEMENT_BODY, loanId="L2")

FAILURES = [
    # disbursement fields
    ("disb-blank-customer", DISB, with_(NEW_LOAN, customerId=""), "customerId"),
    ("disb-space-customer", DISB, with_(NEW_LOAN, customerId="   "), "customerId"),
    ("disb-number-customer", DISB, with_(NEW_LOAN, customerId=123), "customerId"),
    ("disb-no-name", DISB, with_(NEW_LOAN, customerName=DROP), "customerName"),
    ("disb-blank-loan", DISB, with_(NEW_LOAN, loanId=" "), "loanId"),
    ("disb-no-loan", DISB, with_(NEW_LOAN, loanId=DROP), "loanId"),
    ("disb-string-amount", DISB, with_(NEW_LOAN, loanAmount="10000"), "loanAmount"),
    ("disb-bool-amount", DISB, with_(NEW_LOAN, loanAmount=True), "loanAmount"),
    ("disb-zero-amount", DISB, with_(NEW_LOAN, loanAmount=0), "loanAmount"),
    ("disb-negative-amount", DISB, with_(NEW_LOAN, loanAmount=-100), "loanAmount"),
    ("disb-no-amount", DISB, with_(NEW_LOAN, loanAmount=DROP), "loanAmount"),
    ("disb-no-fee", DISB, with_(NEW_LOAN, adminFee=DROP), "adminFee"),
    ("disb-null-fee", DISB, with_(NEW_LOAN, adminFee=None), "adminFee"),
    ("disb-negative-fee", DISB, with_(NEW_LOAN, adminFee=-1), "adminFee"),
    ("disb-string-fee", DISB, with_(NEW_LOAN, adminFee="200"), "adminFee"),
    ("disb-fee-exceeds-loan", DISB, with_(NEW_LOAN, loanAmount=100, adminFee=90), "adminFee"),
    ("disb-string-vat", DISB, with_(NEW_LOAN, vatOnAdminFee="36"), "vatOnAdminFee"),
    ("disb-feb-30", DISB, with_(NEW_LOAN, disbursementDate="2026-02-30"), "disbursementDate"),
    ("disb-month-13", DISB, with_(NEW_LOAN, disbursementDate="2026-13-01"), "disbursementDate"),
    ("disb-slashes", DISB, with_(NEW_LOAN, disbursementDate="01/05/2026"), "disbursementDate"),
    ("disb-short-date", DISB, with_(NEW_LOAN, disbursementDate="2026-5-1"), "disbursementDate"),
    ("disb-basic-date", DISB, with_(NEW_LOAN, disbursementDate="20260501"), "disbursementDate"),
    ("disb-datetime", DISB, with_(NEW_LOAN, disbursementDate="2026-05-01T00:00:00"), "disbursementDate"),
    ("disb-no-date", DISB, with_(NEW_LOAN, disbursementDate=DROP), "disbursementDate"),
    ("disb-second", DISB, DISBURSEMENT_BODY, "loanId"),
    # revenue report
    ("rev-month-13", REVENUE, with_(REVENUE_BODY, revenueMonth="2026-13"), "revenueMonth"),
    ("rev-month-00", REVENUE, with_(REVENUE_BODY, revenueMonth="2026-00"), "revenueMonth"),
    ("rev-short-month", REVENUE, with_(REVENUE_BODY, revenueMonth="2026-5"), "revenueMonth"),
    ("rev-full-date", REVENUE, with_(REVENUE_BODY, revenueMonth="2026-05-01"), "revenueMonth"),
    ("rev-zero", REVENUE, with_(REVENUE_BODY, revenueAmount=0), "revenueAmount"),
    ("rev-negative", REVENUE, with_(REVENUE_BODY, revenueAmount=-1), "revenueAmount"),
    ("rev-string", REVENUE, with_(REVENUE_BODY, revenueAmount="600"), "revenueAmount"),
    ("rev-missing", REVENUE, with_(REVENUE_BODY, revenueAmount=DROP), "revenueAmount"),
    ("rev-blank-name", REVENUE, with_(REVENUE_BODY, customerName=""), "customerName"),
    ("rev-unknown-loan", REVENUE, with_(REVENUE_BODY, loanId="L9"), "loanId"),
    ("rev-other-customer", REVENUE, with_(REVENUE_BODY, customerId="C2"), "customerId"),
    # repayment
    ("rep-negative-principal", REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=-1), "repaymentPrincipal"),
    ("rep-string-principal", REPAY, with_(REPAYMENT_BODY, repaymentPrincipal="10"), "repaymentPrincipal"),
    ("rep-no-principal", REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=DROP), "repaymentPrincipal"),
    ("rep-negative-interest", REPAY, with_(REPAYMENT_BODY, repaymentInterest=Decimal("-0.01")), "repaymentInterest"),
    ("rep-no-interest", REPAY, with_(REPAYMENT_BODY, repaymentInterest=DROP), "repaymentInterest"),
    ("rep-bad-date", REPAY, with_(REPAYMENT_BODY, repaymentDate="2026-06-31"), "repaymentDate"),
    ("rep-string-fee", REPAY, with_(REPAYMENT_BODY, feeAmount="25"), "feeAmount"),
    ("rep-negative-fee", REPAY, with_(REPAYMENT_BODY, feeAmount=-5), "feeAmount"),
    ("rep-number-fee-name", REPAY, with_(REPAYMENT_BODY, feeName=5), "feeName"),
    ("rep-too-much-interest", REPAY, with_(REPAYMENT_BODY, repaymentInterest=Decimal("600.01")), "repaymentInterest"),
    (
        "rep-too-much-principal",
        REPAY,
        with_(REPAYMENT_BODY, repaymentPrincipal=Decimal("10000.01")),
        "repaymentPrincipal",
    ),
    ("rep-unknown-loan", REPAY, with_(REPAYMENT_BODY, loanId="L9"), "loanId"),
    ("rep-other-customer", REPAY, with_(REPAYMENT_BODY, customerId="C2"), "customerId"),
    # early settlement
    (
        "es-negative-principal",
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementPrincipal=-1),
        "repaymentEarlySettlementPrincipal",
    ),
    (
        "es-string-interest",
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementInterest="600"),
        "repaymentEarlySettlementInterest",
    ),
    (
        "es-bad-date",
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementDate="2026-6-15"),
        "repaymentEarlySettlementDate",
    ),
    (
        "es-too-much-interest",
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementInterest=601),
        "repaymentEarlySettlementInterest",
    ),
    (
        "es-too-much-principal",
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementPrincipal=10001),
        "repaymentEarlySettlementPrincipal",
    ),
    ("es-unknown-loan", SETTLE, with_(SETTLEMENT_BODY, loanId="L9"), "loanId"),
    ("es-other-customer", SETTLE, with_(SETTLEMENT_BODY, customerId="C2"), "customerId"),
]


@pytest.mark.parametrize(("path", "body", "field"), [c[1:] for c in FAILURES], ids=[c[0] for c in FAILURES])
def test_validation_failure_is_200_failed_and_changes_nothing(server, path, body, field):
    # A disbursed loan with one open interest invoice (600), so ordering and amount rules can bite.
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    before = all_books(server)

    result = push(server, path, body)

    assert result["success"] is False
    assert result["status"] == "FAILED"
    assert set(result) == {"success", "status", "message", "eventType", "errors"}
    assert result["errors"], result
    assert any(error.startswith(f"{field}: ") for error in result["errors"]), result["errors"]
    assert all_books(server) == before
    last = events(server)[-1]
    assert (last["path"], last["accepted"], last["status"], last["errors"]) == (path, False, "FAILED", result["errors"])


def test_all_field_errors_are_reported_together(server):
    body = {"customerId": "", "loanId": "L1", "loanAmount": "1", "adminFee": None, "disbursementDate": "2026-02-29"}
    result = push(server, DISB, body)
    fields = [error.split(":")[0] for error in result["errors"]]
    assert fields == ["customerId", "customerName", "loanAmount", "adminFee", "disbursementDate"]
    assert result["message"] == "Disbursement rejected: 5 validation error(s)"


# What the sender reads: the contract's field name and the reason, whatever validates the body.
MESSAGES = [
    ("string-amount", DISB, with_(NEW_LOAN, loanAmount="10000"), "loanAmount: must be a JSON number"),
    ("bool-amount", DISB, with_(NEW_LOAN, loanAmount=True), "loanAmount: must be a JSON number"),
    ("zero-amount", DISB, with_(NEW_LOAN, loanAmount=0), "loanAmount: must be greater than 0"),
    ("negative-fee", DISB, with_(NEW_LOAN, adminFee=-1), "adminFee: must be greater than or equal to 0"),
    ("no-fee", DISB, with_(NEW_LOAN, adminFee=DROP), "adminFee: is required (use 0 when there is no fee)"),
    ("null-fee", DISB, with_(NEW_LOAN, adminFee=None), "adminFee: is required (use 0 when there is no fee)"),
    ("null-name", DISB, with_(NEW_LOAN, customerName=None), "customerName: is required"),
    ("number-customer", DISB, with_(NEW_LOAN, customerId=123), "customerId: must be a string"),
    ("blank-customer", DISB, with_(NEW_LOAN, customerId=" \t"), "customerId: must not be blank"),
    (
        "feb-30",
        DISB,
        with_(NEW_LOAN, disbursementDate="2026-02-30"),
        "disbursementDate: 2026-02-30 is not a calendar date",
    ),
    (
        "datetime",
        DISB,
        with_(NEW_LOAN, disbursementDate="2026-05-01T00:00:00"),
        "disbursementDate: must be a date in yyyy-MM-dd format",
    ),
    ("number-date", DISB, with_(NEW_LOAN, disbursementDate=20260501), "disbursementDate: must be a string"),
    (
        "month-13",
        REVENUE,
        with_(REVENUE_BODY, revenueMonth="2026-13"),
        "revenueMonth: must be a month in yyyy-MM format",
    ),
    ("year-0", REVENUE, with_(REVENUE_BODY, revenueMonth="0000-05"), "revenueMonth: must be a month in yyyy-MM format"),
    ("string-fee", REPAY, with_(REPAYMENT_BODY, feeAmount="25"), "feeAmount: must be a JSON number"),
    ("number-fee-name", REPAY, with_(REPAYMENT_BODY, feeName=5), "feeName: must be a string"),
    (
        "negative-settlement-fee",
        SETTLE,
        with_(SETTLEMENT_BODY, feeAmount=Decimal("-0.01")),
        "feeAmount: must be greater than or equal to 0",
    ),
    # Fields the contract does not name are refused: a misspelt optional field would otherwise book no fee.
    ("misspelt-fee", REPAY, with_(REPAYMENT_BODY, feeAmout=25), "feeAmout: is not a field of the contract"),
    ("snake-case", DISB, with_(NEW_LOAN, loan_amount=10000), "loan_amount: is not a field of the contract"),
    ("unknown-field", REVENUE, with_(REVENUE_BODY, currency="TZS"), "currency: is not a field of the contract"),
]


@pytest.mark.parametrize(("path", "body", "error"), [c[1:] for c in MESSAGES], ids=[c[0] for c in MESSAGES])
def test_each_failure_names_the_field_and_the_reason(server, path, body, error):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    before = all_books(server)
    assert rejected(server, path, body) == [error]
    assert all_books(server) == before


def test_null_optional_fields_take_their_defaults(server):
    # JSON null means "not sent": the optional fields' defaults apply, as if they were absent.
    accepted(server, DISB, with_(DISBURSEMENT_BODY, vatOnAdminFee=None))
    accepted(server, REVENUE, REVENUE_BODY)
    accepted(server, REPAY, with_(REPAYMENT_BODY, feeAmount=None, feeName=None))
    books = loan(server)
    assert invoice(books, "DISB-L1")["clientVatOnAdminFee"] is None
    assert [line["kind"] for line in books["payments"][0]["lines"]] == ["PRINCIPAL", "INTEREST"]


def test_amounts_are_kept_exactly_as_sent(server):
    # The contract's type is Number with no scale rule: every digit sent is booked, none lost to a float.
    accepted(server, DISB, with_(DISBURSEMENT_BODY, loanAmount=Decimal("10000.123456789012345678")))
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueAmount=Decimal("0.1")))
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-06", revenueAmount=Decimal("0.2")))
    books = loan(server)
    assert books["outstandingPrincipal"] == Decimal("10000.123456789012345678")
    assert books["openInterest"] == Decimal("0.3")


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (10000.0, "loanAmount: must be a JSON number"),
        (Decimal("NaN"), "loanAmount: must be a finite number"),
        (Decimal("Infinity"), "loanAmount: must be a finite number"),
    ],
    ids=["float", "nan", "infinity"],
)
def test_in_process_amounts_must_be_exact_and_finite(amount, error):
    # Over HTTP neither can arrive (parse_float=Decimal, NaN is a 400); a caller of Books can still send them.
    books = Books()
    outcome = books.receive(DISBURSEMENT, {**DISBURSEMENT_BODY, "loanAmount": amount})
    assert (outcome.accepted, outcome.errors) == (False, (error,))
    assert books.loans() == []


# ---------------------------------------------------------------------------------------------
# Event ordering per loan
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"), [(REVENUE, REVENUE_BODY), (REPAY, REPAYMENT_BODY), (SETTLE, SETTLEMENT_BODY)]
)
def test_events_before_the_disbursement_fail(server, path, body):
    result = push(server, path, body)
    assert result["success"] is False
    assert result["errors"] == ["loanId: no disbursement has been received for loan L1"]
    assert all_books(server) == {"loans": []}


def test_a_second_disbursement_fails(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    before = all_books(server)
    result = push(server, DISB, with_(DISBURSEMENT_BODY, loanAmount=5000))
    assert result["errors"] == ["loanId: loan L1 is already disbursed"]
    assert all_books(server) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (REVENUE, with_(REVENUE_BODY, revenueMonth="2026-06")),
        (REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=0, repaymentInterest=0)),
        (SETTLE, with_(SETTLEMENT_BODY, repaymentEarlySettlementPrincipal=0, repaymentEarlySettlementInterest=0)),
        (DISB, DISBURSEMENT_BODY),
    ],
    ids=["revenue", "repayment", "settlement", "disbursement"],
)
def test_every_event_after_early_settlement_fails(server, path, body):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    accepted(server, SETTLE, SETTLEMENT_BODY)
    before = all_books(server)
    result = push(server, path, body)
    assert result["success"] is False
    assert result["errors"] == ["loanId: loan L1 was early-settled on 2026-06-15; no further events accepted"]
    assert all_books(server) == before


# ---------------------------------------------------------------------------------------------
# Request log
# ---------------------------------------------------------------------------------------------


def test_every_request_is_logged_in_order(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    push(server, REPAY, with_(REPAYMENT_BODY, repaymentInterest=1))  # no open interest: fails
    accepted(server, DISB, with_(DISBURSEMENT_BODY, loanId="L2"))
    post(server, REPAY, REPAYMENT_BODY, key=None)

    log = events(server)
    assert [(e["seq"], e["path"], e["loanId"], e["accepted"], e["status"]) for e in log] == [
        (1, DISB, "L1", True, "PUSHED"),
        (2, REPAY, "L1", False, "FAILED"),
        (3, DISB, "L2", True, "PUSHED"),
        (4, REPAY, None, False, "UNAUTHORIZED"),  # the body was never read, so its loan is unknown
    ]
    assert log[1]["errors"] == ["repaymentInterest: 1 exceeds the open interest 0"]
    assert log[0]["body"]["vatOnAdminFee"] == 36  # what the platform sent, for contract assertions
    assert [e["seq"] for e in events(server, "L1")] == [1, 2]


def test_reset_clears_books_and_log(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    assert requests.post(f"{server.url}/_control/reset", timeout=5).json() == {"reset": True}
    assert all_books(server) == {"loans": []}
    assert events(server) == []


# ---------------------------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------------------------


def test_outage_answers_503_three_times_then_processes(server):
    response = control(server, {"status": 503, "count": 3})
    assert response.status_code == 200
    assert response.json()["outage"] == {"mode": "status", "status": 503, "seconds": 0, "remaining": 3}

    for _ in range(3):
        failed = post(server, DISB, DISBURSEMENT_BODY)
        assert failed.status_code == 503
        assert decoded(failed)["status"] == "SERVICE_UNAVAILABLE"
        assert all_books(server) == {"loans": []}

    succeeded = post(server, DISB, DISBURSEMENT_BODY)
    assert succeeded.status_code == 200
    assert decoded(succeeded)["success"] is True
    assert [e["httpStatus"] for e in events(server, "L1")] == [503, 503, 503, 200]
    assert requests.get(f"{server.url}/_control/outage", timeout=5).json() == {"outage": None}


@pytest.mark.parametrize("status", [500, 502])
def test_outage_status_is_configurable(server, status):
    control(server, {"status": status})
    assert post(server, DISB, DISBURSEMENT_BODY).status_code == status
    assert post(server, DISB, DISBURSEMENT_BODY).status_code == 200


def test_outage_applies_to_contract_paths_only(server):
    control(server, {"status": 503, "count": 1})
    assert requests.get(f"{server.url}/invoices", timeout=5).status_code == 200
    assert post(server, "/lms-integration/unknown", {}).status_code == 404
    assert post(server, REVENUE, REVENUE_BODY).status_code == 503


def test_timeout_mode_makes_the_client_give_up_without_processing(server):
    control(server, {"mode": "timeout", "seconds": 3, "count": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(server, DISB, DISBURSEMENT_BODY, timeout=0.3)
    assert all_books(server) == {"loans": []}

    accepted(server, DISB, DISBURSEMENT_BODY)  # the retry is processed exactly once
    assert [e["status"] for e in events(server, "L1")] == ["TIMEOUT", "PUSHED"]


def test_outage_reset_clears_a_pending_fault(server):
    control(server, {"status": 503, "count": 5})
    assert control(server, {"mode": "reset"}).json() == {"outage": None}
    assert post(server, DISB, DISBURSEMENT_BODY).status_code == 200


def test_random_faults_are_seeded_and_a_lost_answer_was_applied(server):
    from devstack.accounting.server import RandomFaults

    first, again = (
        RandomFaults(Decimal("0.5"), 3, Decimal(1), Decimal("0.01")),
        RandomFaults(Decimal("0.5"), 3, Decimal(1), Decimal("0.01")),
    )
    draws = [first.draw() for _ in range(40)]
    assert draws == [again.draw() for _ in range(40)]  # the seed replays the run
    assert 0 < sum(d is not None for d in draws) < 40
    assert control(server, {"mode": "random", "rate": 1, "seed": 1, "seconds": 1}).json()["outage"]["mode"] == "random"

    # rate 1: every POST draws a fault; keep posting one event id until it was applied once
    attempts = []
    while not any(e["accepted"] for e in events(server, "L1")):
        try:
            attempts.append(post(server, DISB, DISBURSEMENT_BODY, timeout=0.5, event_id="L1-1").status_code)
        except requests.exceptions.ReadTimeout:
            attempts.append("timeout")
    control(server, {"mode": "reset"})
    assert push(server, DISB, DISBURSEMENT_BODY, "L1-1")["success"] is True  # recognised, not applied again
    applied = [e for e in events(server, "L1") if e["accepted"] and not e.get("duplicateOf")]
    assert len(applied) == 1 and len(loan(server)["invoices"]) == 1


@pytest.mark.parametrize(
    "spec",
    [
        {"status": 404},
        {"status": "503"},
        {"count": 0},
        {"mode": "explode"},
        {"mode": "timeout", "seconds": 0},
        {"mode": "random", "rate": 0},
        {"mode": "random", "rate": 2},
        {"mode": "random", "seconds": 301},
    ],
)
def test_bad_outage_specs_are_400(server, spec):
    response = control(server, spec)
    assert response.status_code == 400
    assert response.json()["status"] == "BAD_REQUEST"
    assert requests.get(f"{server.url}/_control/outage", timeout=5).json() == {"outage": None}


# ---------------------------------------------------------------------------------------------
# Event identity: X-LMS-Event-Id and duplicate deliveries
# ---------------------------------------------------------------------------------------------


def test_duplicate_delivery_changes_nothing_and_answers_the_same(server):
    first_disbursement = accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    accepted(server, REVENUE, REVENUE_BODY, "L1-2")
    first_repayment = accepted(server, REPAY, REPAYMENT_BODY, "L1-3")
    before = all_books(server)

    assert push(server, REPAY, REPAYMENT_BODY, "L1-3") == first_repayment
    assert push(server, DISB, DISBURSEMENT_BODY, "L1-1") == first_disbursement  # not "already disbursed"
    assert all_books(server) == before

    log = events(server)
    assert [(e["eventId"], e["accepted"], e["duplicateOf"]) for e in log] == [
        ("L1-1", True, None),
        ("L1-2", True, None),
        ("L1-3", True, None),
        ("L1-3", True, 3),
        ("L1-1", True, 1),
    ]


def test_event_id_is_recorded_on_what_the_event_created(server):
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    accepted(server, REVENUE, REVENUE_BODY, "L1-2")
    accepted(server, REPAY, REPAYMENT_BODY, "L1-3")
    books = loan(server)
    assert invoice(books, "DISB-L1")["eventId"] == "L1-1"
    assert invoice(books, "INT-L1-1")["eventId"] == "L1-2"
    assert books["payments"][0]["eventId"] == "L1-3"
    assert [a["eventId"] for a in invoice(books, "INT-L1-1")["allocations"]] == ["L1-3"]
    assert invoice(books, "DISB-L1")["reversed"] is False


def test_a_failed_attempt_does_not_block_a_later_one_with_the_same_id(server):
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    assert rejected(server, REPAY, REPAYMENT_BODY, "L1-3") == ["repaymentInterest: 100 exceeds the open interest 0"]
    accepted(server, REVENUE, REVENUE_BODY, "L1-2")
    accepted(server, REPAY, REPAYMENT_BODY, "L1-3")  # processed now, not answered from the failure
    assert len(loan(server)["payments"]) == 1
    assert events(server)[-1]["duplicateOf"] is None


def test_without_the_header_nothing_is_deduplicated(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    accepted(server, REVENUE, REVENUE_BODY)
    accepted(server, REPAY, REPAYMENT_BODY)
    accepted(server, REPAY, REPAYMENT_BODY)
    assert loan(server)["outstandingPrincipal"] == 8000
    assert {e["eventId"] for e in events(server)} == {None}


def test_an_accepted_id_reused_for_another_event_fails(server):
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    before = all_books(server)
    errors = rejected(server, REVENUE, REVENUE_BODY, "L1-1")
    assert errors == ["X-LMS-Event-Id: L1-1 was already accepted for a different DISBURSEMENT request (request #1)"]
    assert rejected(server, DISB, with_(DISBURSEMENT_BODY, loanAmount=5000), "L1-1")[0].startswith("X-LMS-Event-Id: ")
    assert all_books(server) == before


def test_a_resend_with_amounts_printed_differently_is_still_a_duplicate(server):
    first = accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    assert push(server, DISB, with_(DISBURSEMENT_BODY, loanAmount=Decimal("10000.00")), "L1-1") == first


def test_a_blank_event_id_fails(server):
    assert rejected(server, DISB, DISBURSEMENT_BODY, "") == ["X-LMS-Event-Id: must not be blank when sent"]
    assert all_books(server) == {"loans": []}


def test_event_id_is_logged_for_unprocessed_requests(server):
    post(server, DISB, DISBURSEMENT_BODY, key=None, event_id="L1-1")
    control(server, {"status": 503})
    post(server, DISB, DISBURSEMENT_BODY, event_id="L1-1")
    assert [(e["status"], e["eventId"]) for e in events(server)] == [
        ("UNAUTHORIZED", "L1-1"),
        ("SERVICE_UNAVAILABLE", "L1-1"),
    ]


def test_concurrent_duplicate_deliveries_are_applied_once(server):
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    results: list[dict[str, Any]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(push(server, REPAY, with_(REPAYMENT_BODY, repaymentInterest=0), "L1-2"))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r == results[0] and r["success"] for r in results)
    books = loan(server)
    assert (len(books["payments"]), books["outstandingPrincipal"]) == (1, 9000)


# ---------------------------------------------------------------------------------------------
# Reversals (only with reversals_enabled)
# ---------------------------------------------------------------------------------------------


def reversal_of(event_id: str, event_type: str, **changes: Any) -> dict[str, Any]:
    body = {
        **PARTY,
        "reversedEventId": event_id,
        "reversedEventType": event_type,
        "reversalDate": "2026-06-20",
        "reason": "payment bounced",
    }
    return with_(body, **changes)


def disbursed_with_revenue(server, revenue: int = 600) -> None:
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    accepted(server, REVENUE, with_(REVENUE_BODY, revenueAmount=revenue), "L1-2")


def test_reversal_endpoint_is_404_unless_enabled(server):
    accepted(server, DISB, DISBURSEMENT_BODY, "L1-1")
    before = all_books(server)
    response = post(server, REVERSE, reversal_of("L1-1", "DISBURSEMENT"), event_id="L1-2")
    assert response.status_code == 404
    assert decoded(response)["status"] == "NOT_FOUND"
    assert requests.get(f"{server.url}{REVERSE}", timeout=5).status_code == 404
    assert all_books(server) == before
    assert len(events(server)) == 1  # an unknown path is not a contract request


def test_reversal_endpoint_accepts_post_only_when_enabled(rev):
    response = requests.get(f"{rev.url}{REVERSE}", timeout=5)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


def test_repayment_reversal_restores_principal_and_interest(rev):
    disbursed_with_revenue(rev, revenue=1100)
    accepted(rev, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=900, repaymentInterest=1100), "L1-3")
    assert (loan(rev)["outstandingPrincipal"], loan(rev)["openInterest"]) == (9100, 0)

    result = accepted(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-4")
    assert result == {
        "success": True,
        "status": "PUSHED",
        "message": "REPAYMENT L1-3 (PAY-L1-1) reversed",
        "eventType": "REVERSAL",
        "invoiceIds": ["DISB-L1", "INT-L1-1"],
    }
    books = loan(rev)
    assert (books["outstandingPrincipal"], books["openInterest"]) == (Decimal("10000.00"), Decimal("1100.00"))
    assert invoice(books, "INT-L1-1")["openBalance"] == 1100
    [payment] = books["payments"]  # still visible, marked
    assert {k: payment[k] for k in ("reversed", "reversalDate", "reversalReason", "reversalEventId")} == {
        "reversed": True,
        "reversalDate": "2026-06-20",
        "reversalReason": "payment bounced",
        "reversalEventId": "L1-4",
    }
    assert [a["reversed"] for a in invoice(books, "DISB-L1")["allocations"]] == [True]
    assert events(rev)[-1]["eventType"] == "REVERSAL"


def test_repayment_reversal_puts_interest_back_on_the_same_invoices(rev):
    disbursed_with_revenue(rev, revenue=600)
    accepted(rev, REVENUE, with_(REVENUE_BODY, revenueMonth="2026-06", revenueAmount=500), "L1-3")
    accepted(rev, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=0, repaymentInterest=700), "L1-4")
    accepted(rev, REPAY, with_(REPAYMENT_BODY, repaymentPrincipal=0, repaymentInterest=100), "L1-5")
    assert open_balances(rev) == {"INT-L1-1": 0, "INT-L1-2": 300}

    accepted(rev, REVERSE, reversal_of("L1-4", "REPAYMENT"), "L1-6")
    # 600 back on INT-L1-1 and 100 on INT-L1-2: what L1-4 took, not a FIFO re-run of the rest.
    assert open_balances(rev) == {"INT-L1-1": 600, "INT-L1-2": 400}
    assert loan(rev)["openInterest"] == 1000


def test_early_settlement_reversal_reopens_the_loan(rev):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    accepted(
        rev,
        SETTLE,
        with_(SETTLEMENT_BODY, repaymentEarlySettlementPrincipal=9000, repaymentEarlySettlementInterest=500),
        "L1-4",
    )
    assert loan(rev)["settled"] is True

    result = accepted(rev, REVERSE, reversal_of("L1-4", "EARLY_SETTLEMENT"), "L1-5")
    assert result["invoiceIds"] == ["DISB-L1", "INT-L1-1"]
    books = loan(rev)
    assert (books["settled"], books["settlementDate"]) == (False, None)
    assert (books["outstandingPrincipal"], books["openInterest"]) == (9000, 500)
    assert [p["reversed"] for p in books["payments"]] == [False, True]
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-6")  # open again


def test_revenue_report_reversal_takes_the_interest_out(rev):
    disbursed_with_revenue(rev)
    result = accepted(rev, REVERSE, reversal_of("L1-2", "REVENUE_REPORT", reason=""), "L1-3")
    assert result["invoiceIds"] == ["INT-L1-1"]
    books = loan(rev)
    reversed_invoice = invoice(books, "INT-L1-1")  # still listed
    assert (reversed_invoice["reversed"], reversed_invoice["amount"], reversed_invoice["openBalance"]) == (True, 600, 0)
    assert reversed_invoice["reversalReason"] == ""
    assert books["openInterest"] == 0
    assert rejected(rev, REPAY, with_(REPAYMENT_BODY, repaymentInterest=1)) == [
        "repaymentInterest: 1 exceeds the open interest 0"
    ]


def test_revenue_report_reversal_fails_while_paid_against(rev):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    before = all_books(rev)
    assert rejected(rev, REVERSE, reversal_of("L1-2", "REVENUE_REPORT"), "L1-4") == [
        "reversedEventId: 100 has been applied against interest invoice INT-L1-1; reverse those payments first"
    ]
    assert all_books(rev) == before

    accepted(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-5")
    accepted(rev, REVERSE, reversal_of("L1-2", "REVENUE_REPORT"), "L1-4")  # the failed id may now succeed
    assert loan(rev)["openInterest"] == 0


def test_disbursement_reversal_fails_while_later_events_are_in_force(rev):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    accepted(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-4")
    before = all_books(rev)
    assert rejected(rev, REVERSE, reversal_of("L1-1", "DISBURSEMENT"), "L1-5") == [
        "reversedEventId: disbursement DISB-L1 has later events still in force (INT-L1-1 from event L1-2); "
        "reverse them first"
    ]
    assert all_books(rev) == before


def test_disbursement_reversal_then_a_new_disbursement(rev):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    accepted(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-4")
    accepted(rev, REVERSE, reversal_of("L1-2", "REVENUE_REPORT"), "L1-5")
    result = accepted(rev, REVERSE, reversal_of("L1-1", "DISBURSEMENT", reason="disbursal undone"), "L1-6")
    assert result["invoiceIds"] == ["DISB-L1"]

    books = loan(rev)
    assert (books["disbursed"], books["outstandingPrincipal"], books["openInterest"]) == (False, 0, 0)
    assert invoice(books, "DISB-L1")["reversed"] is True
    no_disbursement = ["loanId: no disbursement has been received for loan L1"]
    assert rejected(rev, REVENUE, REVENUE_BODY) == no_disbursement
    assert rejected(rev, REPAY, with_(REPAYMENT_BODY, repaymentInterest=0)) == no_disbursement
    assert rejected(rev, SETTLE, SETTLEMENT_BODY) == no_disbursement
    assert rejected(rev, REVERSE, reversal_of("L1-3", "REPAYMENT")) == no_disbursement

    result = accepted(rev, DISB, with_(DISBURSEMENT_BODY, loanAmount=8000, disbursementDate="2026-07-01"), "L1-7")
    assert result["invoiceIds"] == ["DISB-L1-2"]
    books = loan(rev)
    assert (books["disbursed"], books["outstandingPrincipal"], books["openInterest"]) == (True, 8000, 0)
    assert [(i["invoiceId"], i["reversed"]) for i in books["invoices"]] == [
        ("DISB-L1", True),
        ("DISB-L1-2", False),
        ("INT-L1-1", True),
    ]
    accepted(rev, REVENUE, REVENUE_BODY, "L1-8")
    assert invoice(loan(rev), "INT-L1-2")["openBalance"] == 600


def test_a_reversal_is_deduplicated_by_its_own_id(rev):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    first = accepted(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-4")
    before = all_books(rev)
    assert push(rev, REVERSE, reversal_of("L1-3", "REPAYMENT"), "L1-4") == first  # not "already reversed"
    assert all_books(rev) == before
    assert events(rev)[-1]["duplicateOf"] == 4


REVERSAL_FAILURES = [
    ("unknown-id", reversal_of("L1-99", "REPAYMENT"), "reversedEventId: no accepted event has X-LMS-Event-Id L1-99"),
    (
        "wrong-type",
        reversal_of("L1-3", "EARLY_SETTLEMENT"),
        "reversedEventType: event L1-3 is REPAYMENT, not EARLY_SETTLEMENT",
    ),
    ("twice", reversal_of("L1-4", "REPAYMENT"), "reversedEventId: event L1-4 was already reversed on 2026-06-20"),
    ("other-loan", reversal_of("L2-1", "DISBURSEMENT"), "reversedEventId: event L2-1 belongs to loan L2, not L1"),
    (
        "a-reversal",
        reversal_of("L1-5", "REPAYMENT"),
        "reversedEventId: L1-5 is a reversal; a reversal cannot be reversed",
    ),
    (
        "unidentified-event",
        reversal_of("L1-6", "REPAYMENT"),
        "reversedEventId: no accepted event has X-LMS-Event-Id L1-6",
    ),
    (
        "unknown-loan",
        reversal_of("L1-3", "REPAYMENT", loanId="L9"),
        "loanId: no disbursement has been received for loan L9",
    ),
    (
        "other-customer",
        reversal_of("L1-3", "REPAYMENT", customerId="C2"),
        "customerId: C2 does not match the loan's customer C1",
    ),
    ("no-id", reversal_of(DROP, "REPAYMENT"), "reversedEventId: is required"),
    ("blank-id", reversal_of(" ", "REPAYMENT"), "reversedEventId: must not be blank"),
    ("no-type", reversal_of("L1-3", DROP), "reversedEventType: is required"),
    (
        "bad-type",
        reversal_of("L1-3", "REVERSAL"),
        "reversedEventType: must be one of DISBURSEMENT, REVENUE_REPORT, REPAYMENT, EARLY_SETTLEMENT",
    ),
    (
        "bad-date",
        reversal_of("L1-3", "REPAYMENT", reversalDate="2026-6-20"),
        "reversalDate: must be a date in yyyy-MM-dd format",
    ),
    ("no-date", reversal_of("L1-3", "REPAYMENT", reversalDate=DROP), "reversalDate: is required"),
    ("number-reason", reversal_of("L1-3", "REPAYMENT", reason=5), "reason: must be a string"),
    ("blank-name", reversal_of("L1-3", "REPAYMENT", customerName=""), "customerName: must not be blank"),
]


@pytest.mark.parametrize(("body", "error"), [c[1:] for c in REVERSAL_FAILURES], ids=[c[0] for c in REVERSAL_FAILURES])
def test_reversal_failures_are_200_failed_and_change_nothing(rev, body, error):
    disbursed_with_revenue(rev)
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-3")
    accepted(rev, REPAY, REPAYMENT_BODY, "L1-4")
    accepted(rev, REVERSE, reversal_of("L1-4", "REPAYMENT"), "L1-5")
    accepted(rev, REPAY, with_(REPAYMENT_BODY, repaymentInterest=0))  # sent without an id: not reversible
    accepted(rev, DISB, with_(DISBURSEMENT_BODY, loanId="L2"), "L2-1")
    before = all_books(rev)

    result = push(rev, REVERSE, body, "L1-9")

    assert (result["success"], result["status"], result["eventType"]) == (False, "FAILED", "REVERSAL")
    assert result["errors"] == [error]
    assert result["message"] == "Reversal rejected: 1 validation error(s)"
    assert all_books(rev) == before


# ---------------------------------------------------------------------------------------------
# Concurrency and the command line
# ---------------------------------------------------------------------------------------------


def test_concurrent_pushes_get_distinct_invoices(server):
    accepted(server, DISB, DISBURSEMENT_BODY)
    results: list[dict[str, Any]] = []

    def report(month: int) -> None:
        results.append(push(server, REVENUE, with_(REVENUE_BODY, revenueMonth=f"2027-{month:02d}", revenueAmount=10)))

    threads = [threading.Thread(target=report, args=(month,)) for month in range(1, 13)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(r["success"] for r in results)
    assert sorted(r["invoiceIds"][0] for r in results) == sorted(f"INT-L1-{n}" for n in range(1, 13))
    assert loan(server)["openInterest"] == 120


# `ignored`: how a background job of a non-interactive shell (`make test &`, nohup, CI runners)
# starts it. Python then leaves SIGINT ignored unless the program installs its own handler; before
# devstack.signals did, this case hung until killed, and so did the test suite's teardowns.
@pytest.mark.parametrize("inherited_ctrl_c", ["default", "ignored"])
def test_command_line_runs_and_stops_on_ctrl_c(inherited_ctrl_c):
    args = ("-m", "devstack.accounting", "--port", "0", "--api-key", "cli-key", "--vat-rate", "15", "--reversals")
    process = subprocess.Popen(
        python_with_ctrl_c_ignored(*args) if inherited_ctrl_c == "ignored" else [sys.executable, *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("ACCOUNTING_BASE_URL=http://127.0.0.1:")
        url = first.split("=", 1)[1]
        response = requests.post(
            f"{url}{DISB}", json=DISBURSEMENT_BODY, headers={"X-LMS-API-Key": "cli-key"}, timeout=5
        )
        assert response.json()["success"] is True
        disbursement = requests.get(f"{url}/invoices", params={"loanId": "L1"}, timeout=5).json()["invoices"][0]
        assert disbursement["vatRate"] == 15
        reversal = requests.post(f"{url}{REVERSE}", json={}, headers={"X-LMS-API-Key": "cli-key"}, timeout=5)
        assert (reversal.status_code, reversal.json()["eventType"]) == (200, "REVERSAL")  # --reversals: routed
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # never leave a server behind
            process.communicate()
            raise
    assert process.returncode == 0
    assert "stopped" in out
