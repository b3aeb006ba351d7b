"""Loans through the API: every transition, every refusal with the seed's message, concurrency."""

from datetime import timedelta
from decimal import Decimal

from lms import clock
from tests.support.data import approved_loan, loan_body, new_customer, submitted_loan


def test_submit_reads_back_with_terms_dates_and_summary(operator):
    loan = submitted_loan(operator)
    assert loan["status"] == "Submitted"
    assert loan["principal"] == Decimal("10000.00")
    assert loan["approvedPrincipal"] is None
    assert loan["numberOfRepayments"] == 1
    assert loan["repaymentEvery"] == 7
    assert loan["interestRatePerPeriod"] == Decimal(11)
    assert loan["transactionProcessingStrategyCode"] == "mifos-standard-strategy"
    assert loan["submittedOnDate"] == "2026-05-23"
    assert loan["currency"] == "TZS"
    assert loan["summary"] == {
        "principalDisbursed": 0,
        "principalOutstanding": 0,
        "interestOutstanding": 0,
        "feesOutstanding": 0,
        "penaltiesOutstanding": 0,
        "totalOutstanding": 0,
        "totalOverpaid": 0,
    }
    again = operator.get(f"/v1/loans/{loan['id']}")
    assert again.status == 200
    assert again.json == loan


def test_approve_at_a_different_amount_as_the_seed_shows(operator):
    loan = submitted_loan(operator)
    reply = operator.post(
        f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-23", "approvedLoanAmount": 6000}
    )
    assert reply.status == 200, reply
    assert reply.json["status"] == "Approved"
    assert reply.json["principal"] == Decimal("6000.00")
    assert reply.json["approvedPrincipal"] == Decimal("6000.00")
    assert reply.json["approvedOnDate"] == "2026-05-23"


def test_approve_undo_approve_reject_walk(operator):
    loan = submitted_loan(operator)
    lid = loan["id"]
    assert operator.post(f"/v1/loans/{lid}/approve", {"approvedOnDate": "2026-05-23"}).json["status"] == "Approved"
    again = operator.post(f"/v1/loans/{lid}/approve", {"approvedOnDate": "2026-05-23"})
    assert again.status == 400
    assert again.json == {
        "code": "failed_precondition",
        "message": "Loan is already approved",
        "reason": "LOAN_ALREADY_APPROVED",
        "details": [],
    }
    reject = operator.post(f"/v1/loans/{lid}/reject", {"rejectedOnDate": "2026-05-23"})
    assert (reject.status, reject.json["message"]) == (400, "Loan Account Reject is not allowed")
    undone = operator.post(f"/v1/loans/{lid}/undo-approval", {"note": "wrong amount"})
    assert undone.status == 200
    assert undone.json["status"] == "Submitted"
    assert undone.json["approvedOnDate"] is None
    undo_again = operator.post(f"/v1/loans/{lid}/undo-approval")
    assert undo_again.status == 400
    assert undo_again.json["code"] == "failed_precondition"
    rejected = operator.post(f"/v1/loans/{lid}/reject", {"rejectedOnDate": "2026-05-24", "note": "no income"})
    assert rejected.status == 200
    assert rejected.json["status"] == "Rejected"
    assert [e["action"] for e in rejected.json["timeline"]] == ["submit", "approve", "undo-approval", "reject"]
    for action, body in [
        ("approve", {"approvedOnDate": "2026-05-23"}),
        ("withdraw", {"withdrawnOnDate": "2026-05-23"}),
        ("reject", {"rejectedOnDate": "2026-05-23"}),
        ("undo-approval", {}),
    ]:
        refused = operator.post(f"/v1/loans/{lid}/{action}", body)
        assert refused.status == 400, (action, refused)
        assert refused.json["code"] == "failed_precondition"
    assert operator.get(f"/v1/loans/{lid}").json["status"] == "Rejected"


def test_withdraw_is_terminal(operator):
    loan = submitted_loan(operator)
    reply = operator.post(f"/v1/loans/{loan['id']}/withdraw", {"withdrawnOnDate": "2026-05-25"})
    assert reply.status == 200
    assert reply.json["status"] == "Withdrawn"
    assert reply.json["withdrawnOnDate"] == "2026-05-25"
    approve = operator.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-25"})
    assert approve.json["message"] == "Loan Account is not in submitted and pending approval state"


def test_withdrawing_an_approved_loan_is_refused(operator):
    loan = approved_loan(operator)
    reply = operator.post(f"/v1/loans/{loan['id']}/withdraw", {"withdrawnOnDate": "2026-05-25"})
    assert reply.status == 400
    assert reply.json["message"] == "Loan Account Withdraw is not allowed"


def test_future_and_early_dates_are_permission_denied(operator):
    loan = submitted_loan(operator)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    future = operator.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": tomorrow})
    assert future.status == 403
    assert future.json["code"] == "permission_denied"
    assert future.json["message"] == "The date on which a loan is approved cannot be in the future."
    early = operator.post(f"/v1/loans/{loan['id']}/approve", {"approvedOnDate": "2026-05-22"})
    assert early.status == 403
    assert operator.get(f"/v1/loans/{loan['id']}").json["status"] == "Submitted"


def test_submission_rules(operator):
    customer = new_customer(operator)
    future = (clock.today() + timedelta(days=1)).isoformat()
    reply = operator.post(
        "/v1/loans", loan_body(customer["id"], submittedOnDate=future, expectedDisbursementDate=future)
    )
    assert reply.status == 403
    assert reply.json["message"] == "The date on which a loan is submitted cannot be in the future."
    before_activation = operator.post(
        "/v1/loans", loan_body(customer["id"], submittedOnDate="2026-05-01", expectedDisbursementDate="2026-05-01")
    )
    assert before_activation.status == 403
    assert "activation date" in before_activation.json["message"]
    out_of_bounds = operator.post("/v1/loans", loan_body(customer["id"], principal=999, numberOfRepayments=9))
    assert out_of_bounds.status == 400
    assert [d["field"] for d in out_of_bounds.json["details"]] == [
        "principal",
        "numberOfRepayments",
        "loanTermFrequency",
    ]
    assert operator.post("/v1/loans", loan_body(99999)).status == 404
    assert operator.post("/v1/loans", loan_body(customer["id"], productId=99)).json["reason"] == "PRODUCT_NOT_FOUND"
    pending = new_customer(operator, active=False, activationDate=None)
    inactive = operator.post("/v1/loans", loan_body(pending["id"]))
    assert (inactive.status, inactive.json["reason"]) == (400, "CUSTOMER_NOT_ACTIVE")


def test_terms_default_from_the_product(operator):
    customer = new_customer(operator)
    body = {
        "customerId": customer["id"],
        "productId": 1,
        "principal": 5000,
        "submittedOnDate": "2026-05-23",
        "expectedDisbursementDate": "2026-05-24",
    }
    reply = operator.post("/v1/loans", body)
    assert reply.status == 201, reply
    assert reply.json["loanTermFrequency"] == 7
    assert reply.json["interestType"] == 1
    assert reply.json["transactionProcessingStrategyCode"] == "mifos-standard-strategy"


def test_list_loans_by_customer_and_status(operator, viewer):
    first = submitted_loan(operator)
    customer = first["customerId"]
    second = operator.post("/v1/loans", loan_body(customer)).json
    operator.post(f"/v1/loans/{second['id']}/approve", {"approvedOnDate": "2026-05-23"})
    other = submitted_loan(operator)
    mine = viewer.get("/v1/loans", query={"customerId": customer}).json
    assert [loan["id"] for loan in mine["items"]] == [first["id"], second["id"]]
    assert mine["total"] == 2
    approved = viewer.get("/v1/loans", query={"customerId": customer, "status": "Approved"}).json
    assert [loan["id"] for loan in approved["items"]] == [second["id"]]
    submitted = viewer.get("/v1/loans", query={"status": "Submitted"}).json
    assert [loan["id"] for loan in submitted["items"]] == [first["id"], other["id"]]
    everything = viewer.get("/v1/loans").json
    assert everything["total"] == 3
    bad = viewer.get("/v1/loans", query={"status": "Open"})
    assert bad.status == 400
    assert bad.json["details"][0]["field"] == "status"
