"""A loan write that took effect but whose answer was lost is never applied twice.

Faults are injected in boto3 itself (botocore's event hooks on the shared DynamoDB client), after
DynamoDB applied the loan's conditional write:

- the SDK timed out and retried the write, and the retry found its own condition failed
  (ConditionalCheckFailedException for a write that succeeded);
- the answer never came (ReadTimeoutError after the write);
- the function died after the write (any error), so the caller retries with the same key.

Before loans carried commit keys, the first two recorded the repayment twice (the service took the
failure for a lost race, read the loan with the payment in it and applied it again), and the third
recorded it twice when the caller retried.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from lms.storage import dynamo
from tests.integration.test_repayments_api import assert_ties_out
from tests.support.data import active_loan, key


@pytest.fixture
def funded(seeded, drain):
    drain()


WRITES = ("PutItem", "TransactWriteItems")  # a loan's commit: its head alone, or with history pages


def is_loan_head(item: dict) -> bool:
    return item.get("SK") == {"S": "LOAN"} and item.get("PK", {}).get("S", "").startswith("LOAN#")


class LoseAnswers:
    """Raise `make_error(operation)` to the caller of the next `count` loan commits, after DynamoDB
    applied them."""

    def __init__(self, make_error, count: int = 1):
        self.make_error, self.count, self.lost, self.operations = make_error, count, 0, []
        events = dynamo.client("dynamodb").meta.events
        for operation in WRITES:
            events.register(f"provide-client-params.dynamodb.{operation}", self._note)
            events.register(f"after-call.dynamodb.{operation}", self._lose)

    def _note(self, params, context, **_):
        items = [params.get("Item", {})] + [a.get("Put", {}).get("Item", {}) for a in params.get("TransactItems", [])]
        context["loan_write"] = any(is_loan_head(item) for item in items)
        context["transaction"] = "TransactItems" in params

    def _lose(self, context, **_):
        if self.lost < self.count and context.get("loan_write"):
            self.lost += 1
            operation = "TransactWriteItems" if context.get("transaction") else "PutItem"
            self.operations.append(operation)
            raise self.make_error(operation)

    def remove(self):
        events = dynamo.client("dynamodb").meta.events
        for operation in WRITES:
            events.unregister(f"provide-client-params.dynamodb.{operation}", self._note)
            events.unregister(f"after-call.dynamodb.{operation}", self._lose)


@pytest.fixture
def lose_answers():
    installed = []

    def install(make_error, count=1):
        installed.append(LoseAnswers(make_error, count))
        return installed[-1]

    yield install
    for faults in installed:
        faults.remove()


def own_condition_failed(operation: str):
    if operation == "TransactWriteItems":
        error = {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"}
        reasons = [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}]
        return ClientError({"Error": error, "CancellationReasons": reasons}, operation)
    error = {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}
    return ClientError({"Error": error}, operation)


def no_answer(_operation: str):
    return ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")


def function_died(_operation: str):
    return RuntimeError("the execution environment was shut down")


@pytest.fixture(params=["head", "head-and-page"])
def commit(request, monkeypatch):
    """What a money commit writes: the head and the request's receipt (no tail is ever sealed), or
    with a history page too (every commit seals its tail when the threshold is 0). Either way one
    TransactWriteItems."""
    monkeypatch.setattr("lms.loans.storage.history.SEAL_AT_BYTES", 0 if request.param == "head-and-page" else 10**9)
    return "TransactWriteItems"


def repayment_body(amount) -> dict:
    return {"transactionDate": "2026-05-23", "transactionAmount": amount, "paymentTypeId": 1, "receiptNumber": "R-1"}


def repayments(operator, loan_id) -> list[dict]:
    listed = operator.get(f"/v1/loans/{loan_id}/transactions?rows=99").json
    return [t for t in listed["items"] if t["type"] == "Repayment"]


@pytest.mark.parametrize("lost", [own_condition_failed, no_answer], ids=["own-condition-failed", "no-answer"])
def test_a_repayment_whose_answer_was_lost_is_recorded_once_and_answered(
    operator, admin, drain, funded, lose_answers, lost, commit
):
    loan = active_loan(operator)
    faults = lose_answers(lost)
    reply = operator.post(f"/v1/loans/{loan['id']}/repayments", repayment_body(2000), headers=key())
    assert faults.operations == [commit]
    assert reply.status == 200, reply
    assert (reply.json["principal"], reply.json["interest"]) == (Decimal("900.00"), Decimal("1100.00"))
    assert reply.json["loan"]["summary"]["totalOutstanding"] == Decimal("9100.00")
    assert [t["id"] for t in repayments(operator, loan["id"])] == [reply.json["id"]]
    assert_ties_out(admin, drain, operator.get(f"/v1/loans/{loan['id']}").json)


def test_a_caller_retrying_after_the_function_died_gets_the_first_answer(
    operator, admin, drain, funded, lose_answers, commit
):
    loan = active_loan(operator)
    headers = key()
    faults = lose_answers(function_died)
    first = operator.post(f"/v1/loans/{loan['id']}/repayments", repayment_body(2000), headers=headers)
    assert first.status == 500  # the payment was recorded; the caller cannot know that
    assert faults.operations == [commit]
    retried = operator.post(f"/v1/loans/{loan['id']}/repayments", repayment_body(2000), headers=headers)
    assert retried.status == 200, retried
    assert retried.json["loan"]["summary"]["totalOutstanding"] == Decimal("9100.00")
    assert [t["id"] for t in repayments(operator, loan["id"])] == [retried.json["id"]]
    assert retried.headers["Idempotent-Replayed"] == "true"
    # The receipt was committed with the payment: the same key with another request is refused.
    again = operator.post(f"/v1/loans/{loan['id']}/repayments", repayment_body(1000), headers=headers)
    assert (again.status, again.json["reason"]) == (422, "IDEMPOTENCY_KEY_REUSED"), again
    assert_ties_out(admin, drain, operator.get(f"/v1/loans/{loan['id']}").json)


def test_a_disbursement_whose_answer_was_lost_is_made_once(operator, admin, drain, funded, lose_answers):
    from tests.support.data import approved_loan

    loan = approved_loan(operator)
    lose_answers(no_answer)
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}
    reply = operator.post(f"/v1/loans/{loan['id']}/disburse", body, headers=key())
    assert reply.status == 200, reply
    final = operator.get(f"/v1/loans/{loan['id']}").json
    assert (final["status"], final["version"]) == ("Active", loan["version"] + 1)
    entries = operator.get(f"/v1/loans/{loan['id']}/transactions").json["items"]
    assert [t["type"] for t in entries] == ["Disbursement"]
