"""DynamoDB failing at random under random money operations: every operation takes effect exactly
once or not at all, the books tie out, and a replay answers what the first answer said.

Faults are injected in boto3 itself (botocore's event hooks on the shared DynamoDB client), on
the core table only, with probability `LMS_FAULT_RATE` per call:
- before the call (nothing applied): throttling, or a conditional-check failure or cancelled
  transaction on a write that had no real conflict;
- after a write took effect (the answer lost): a time-out, or the write's own condition failing
  when the SDK retried it (`ConditionalCheckFailedException`, `TransactionCanceledException`).

The caller does what a careful client does: it retries a 5xx or 409 with the same Idempotency-Key
until it gets an answer. The seed is printed; `LMS_FAULT_SEED=<seed>` replays a run, and
`LMS_FAULT_OPERATIONS` sets how many operations run (`make fuzz` runs 2,000).
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from lms.config import get_settings
from lms.storage import dynamo
from tests.integration.test_repayment_properties import check_books
from tests.integration.test_repayments_api import assert_ties_out
from tests.support.data import active_loan, key, monthly_product

OPERATIONS = int(os.environ.get("LMS_FAULT_OPERATIONS", "60"))
RATE = float(os.environ.get("LMS_FAULT_RATE", "0.15"))
PER_LOAN = 25  # a new loan after this many operations, so that no loan's history grows without end
ATTEMPTS = 30
DISBURSED = date(2026, 5, 1)
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


def _error(code: str, operation: str, reasons: list | None = None) -> ClientError:
    body: dict = {"Error": {"Code": code, "Message": f"injected {code}"}}
    if reasons:
        body["CancellationReasons"] = reasons
    return ClientError(body, operation)


class RandomFaults:
    """Seeded faults on the core table's calls; `armed` only while the API is being called."""

    def __init__(self, rng: random.Random, rate: float):
        self.rng, self.rate, self.armed = rng, rate, False
        self.injected: dict[str, int] = {}
        self.table = get_settings().table_name
        events = dynamo.client("dynamodb").meta.events
        events.register("provide-client-params.dynamodb", self._note)
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def remove(self) -> None:
        events = dynamo.client("dynamodb").meta.events
        events.unregister("provide-client-params.dynamodb", self._note)
        events.unregister("before-call.dynamodb", self._before)
        events.unregister("after-call.dynamodb", self._after)

    @staticmethod
    def _note(params, context, **_):
        context["fault_params"] = params

    def _ours(self, params: dict) -> bool:
        if not self.armed:
            return False
        tables = (
            {params.get("TableName")}
            | {next(iter(a.values())).get("TableName") for a in params.get("TransactItems", [])}
            | set(params.get("RequestItems", {}))  # a batch read of the loan's head with its receipt
        )
        return self.table in tables

    def _count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1

    def _before(self, model, context, **_):
        params = context.get("fault_params") or {}
        if not self._ours(params) or self.rng.random() >= self.rate:
            return
        operation = model.name
        if operation in WRITES and self.rng.random() < 0.5:
            self._count(f"{operation}: lost race before the write")
            if operation == "TransactWriteItems":
                raise _error("TransactionCanceledException", operation, [{"Code": "TransactionConflict"}])
            raise _error("ConditionalCheckFailedException", operation)
        self._count(f"{operation}: throttled")
        raise _error("ProvisionedThroughputExceededException", operation)

    def _after(self, model, context, **_):
        params = context.get("fault_params") or {}
        operation = model.name
        if operation not in WRITES or not self._ours(params) or self.rng.random() >= self.rate:
            return
        if self.rng.random() < 0.5:
            self._count(f"{operation}: answer lost after the write")
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")
        self._count(f"{operation}: own condition failed on the SDK's retry")
        if operation == "TransactWriteItems":
            raise _error("TransactionCanceledException", operation, [{"Code": "ConditionalCheckFailed"}])
        raise _error("ConditionalCheckFailedException", operation)


@dataclass
class Answered:
    path: str
    body: dict | None
    headers: dict
    status: int
    json: dict


@dataclass
class Run:
    operator: object
    faults: RandomFaults
    answered: list[Answered] = field(default_factory=list)

    def call(self, path: str, body: dict | None) -> Answered:
        """Until an answer that is not a failure to retry: a 5xx, or a 409 that says try again."""
        headers = key()
        for _ in range(ATTEMPTS):
            self.faults.armed = True
            try:
                reply = self.operator.post(path, body, headers=headers)
            finally:
                self.faults.armed = False
            retry = reply.status >= 500 or (
                reply.status == 409
                and reply.json.get("reason")
                in ("CONCURRENT_MODIFICATION", "WRITE_OUTCOME_UNKNOWN", "IDEMPOTENCY_KEY_IN_USE")
            )
            if not retry:
                answer = Answered(path, body, headers, reply.status, reply.json)
                self.answered.append(answer)
                return answer
        raise AssertionError(f"{path}: no answer after {ATTEMPTS} attempts (last {reply.status} {reply.json})")


def repayments_of(operator, loan_id: int) -> list[dict]:
    listed = operator.get(f"/v1/loans/{loan_id}/transactions?rows=99").json["items"]
    return [t for t in listed if t["type"] == "Repayment"]


@pytest.fixture
def seed() -> int:
    value = int(os.environ.get("LMS_FAULT_SEED") or random.SystemRandom().randrange(2**32))
    print(f"\nfault injection seed: {value} (replay with LMS_FAULT_SEED={value})")
    return value


def test_money_operations_under_random_faults_take_effect_exactly_once(seeded, drain, admin, operator, seed):
    drain()  # the opening capital reaches the ledger: disbursements check the cash account's balance
    rng = random.Random(seed)
    faults = RandomFaults(rng, RATE)
    run = Run(operator, faults)
    product = monthly_product(admin, maxPrincipal=1000000)
    done = 0
    try:
        while done < OPERATIONS:
            loan = active_loan(operator, product_id=int(product["id"]), on=DISBURSED.isoformat(), principal=50000)
            lid = int(loan["id"])
            paid: list[str] = []
            for _ in range(min(PER_LOAN, OPERATIONS - done)):
                done += 1
                if paid and rng.random() < 0.25:
                    txn = paid.pop(rng.randrange(len(paid)))
                    answer = run.call(f"/v1/loans/{lid}/repayments/{txn}/reverse", None)
                    assert answer.status == 200, (seed, answer)
                    continue
                on = DISBURSED + timedelta(days=rng.randrange(0, 120))
                amount = Decimal(rng.randrange(100, 300000)) / 100
                body = {"transactionDate": on.isoformat(), "transactionAmount": str(amount), "paymentTypeId": 1}
                answer = run.call(f"/v1/loans/{lid}/repayments", {**body, "receiptNumber": f"R{done}"})
                assert answer.status == 200, (seed, answer)
                paid.append(answer.json["id"])
            check_exactly_once(run, operator, lid, seed)
            check_books(lid)
            assert_ties_out(admin, drain, operator.get(f"/v1/loans/{lid}").json)
        check_replays(run, operator, seed)
    finally:
        faults.remove()
    print(f"{done} operations, faults injected: {dict(sorted(faults.injected.items()))}")
    assert sum(faults.injected.values()) > 0, "no fault was injected: the test proved nothing"


def check_exactly_once(run: Run, operator, loan_id: int, seed: int) -> None:
    """Every repayment answered 200 is stored once, under the id of its answer, and nothing else is;
    every reversal answered 200 reversed exactly its transaction."""
    prefix = f"/v1/loans/{loan_id}/repayments"
    answered = [a for a in run.answered if a.path == prefix]
    reversed_ids = {a.path.split("/")[-2] for a in run.answered if a.path.startswith(prefix + "/")}
    stored = repayments_of(operator, loan_id)
    assert sorted(a.json["id"] for a in answered) == sorted(t["id"] for t in stored), seed
    assert {t["id"] for t in stored if t["reversed"]} == reversed_ids, seed
    by_id = {t["id"]: t for t in stored}
    for answer in answered:
        assert by_id[answer.json["id"]]["amount"] == Decimal(answer.body["transactionAmount"]), seed


def check_replays(run: Run, operator, seed: int) -> None:
    """The same request with the same key answers what it answered the first time."""
    for answer in run.answered:
        again = operator.post(answer.path, answer.body, headers=answer.headers)
        assert (again.status, again.json) == (answer.status, answer.json), (seed, answer.path)
