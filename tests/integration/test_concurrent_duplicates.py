"""A duplicate that arrives while the first request is still running (issue 27): one behaviour for
every money route, the loan routes (`answer_once`: receipts in the loan's commit) and the routes
that write no loan (`run_idempotent`: journal entries, bulk disbursement, Powertools' records)
alike. The duplicate gets the first's answer, replayed (`Idempotent-Replayed: true`), once it is
known, and nothing happens twice; only a first request still running after
IDEMPOTENCY_WAIT_SECONDS leaves it a 409 IDEMPOTENCY_KEY_IN_USE with Retry-After, and a retry then
replays the first's answer.

Inline Lambda environments run one invocation at a time (devstack.lambdas), so the two requests
here run in threads through the two idempotency paths themselves, as the handlers call them
(functions/create_repayment, functions/create_journal_entry), on moto: the API path of every route
is covered by the sequential tests, and concurrency over HTTP by tests/e2e/test_concurrency.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from lms.api import idempotency
from lms.api.responses import json_response
from lms.config import reset_settings
from lms.ledger.schemas import JournalEntryOut, JournalEntryRequest
from lms.ledger.service import LedgerService
from lms.loans.domain.records.transactions import TransactionType
from lms.loans.schemas.payments import RepaymentRequest, TransactionWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.loans.service.queries import LoanQueries
from tests.support.data import active_loan

PAYMENT = {"transactionDate": "2026-05-23", "transactionAmount": 150, "paymentTypeId": 1, "receiptNumber": "R-1"}
ENTRY = {
    "entryDate": "2026-05-23",
    "description": "Owner top-up",
    "referenceType": "manual",
    "lines": [
        {"accountId": "1120", "debit": "500.00", "credit": "0.00", "description": "Float"},
        {"accountId": "3000", "debit": "0.00", "credit": "500.00", "description": "Capital"},
    ],
}
KEY_ID = "ak_concurrent_duplicates"


def app_for(path: str, body: dict, idempotency_key: str) -> SimpleNamespace:
    """What the handlers pass: the resolver's current event (the authorizer's key in its context)."""
    event = APIGatewayProxyEvent(
        {
            "httpMethod": "POST",
            "path": path,
            "headers": {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"},
            "body": json.dumps(body),
            "requestContext": {"authorizer": {"keyId": KEY_ID, "role": "admin", "keyName": "test"}},
        }
    )
    return SimpleNamespace(current_event=event, lambda_context=None)


class Gate:
    """Holds the first call of a service method until `release`; later calls go through."""

    def __init__(self, monkeypatch, owner: type, method: str):
        self.entered = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._first = True
        original = getattr(owner, method)
        gate = self

        def held(*args, **kwargs):
            with gate._lock:
                first, gate._first = gate._first, False
            if first:
                gate.entered.set()
                assert gate.released.wait(30), "the gate was never released"
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, method, held)

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def duplicate_waits(monkeypatch) -> threading.Event:
    """Set when a duplicate finds the key held by a request still running (and waits for it)."""
    seen = threading.Event()
    original = idempotency.FirstStillRunning.__init__

    def observed(self, *args):
        seen.set()
        original(self, *args)

    monkeypatch.setattr(idempotency.FirstStillRunning, "__init__", observed)
    return seen


@dataclass
class Route:
    gated: tuple[type, str]  # the service method the first request is held in
    send: Callable[[str], Response]  # one request with the given Idempotency-Key
    effects: Callable[[], int]  # how many times it took effect
    status: int


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


def repayment_route(operator) -> Route:
    """POST /v1/loans/{id}/repayments, as functions/create_repayment calls answer_once."""
    loan = int(active_loan(operator)["id"])
    path = f"/v1/loans/{loan}/repayments"
    order = RepaymentRequest.model_validate(PAYMENT).to_order()

    def send(idempotency_key: str) -> Response:
        app = app_for(path, PAYMENT, idempotency_key)
        actor = idempotency.actor_of(app.current_event)
        return idempotency.answer_once(
            app,
            "create_repayment",
            lambda answering: LoanPayments().repay(loan, order, actor, answering),
            lambda loan_, txn: json_response(TransactionWithLoanOut.of(loan_, txn)),
        )

    def effects() -> int:
        return len([t for t in LoanQueries().get(loan).transactions if t.type == TransactionType.REPAYMENT])

    return Route((LoanPayments, "repay"), send, effects, 200)


def journal_entry_route() -> Route:
    """POST /v1/ledger/entries, as functions/create_journal_entry calls run_idempotent."""
    request = JournalEntryRequest.model_validate(ENTRY)

    def total() -> int:
        return LedgerService().list_entries(1, 1, None, None, None).total

    before = total()

    def send(idempotency_key: str) -> Response:
        def create() -> Response:
            fields = request.model_dump(exclude={"lines"})
            lines = [line.to_line() for line in request.lines]
            return json_response(JournalEntryOut.of(LedgerService().create_draft(fields, lines, KEY_ID)), status=201)

        return idempotency.run_idempotent(app_for("/v1/ledger/entries", ENTRY, idempotency_key), "create", create)

    def effects() -> int:
        return total() - before

    return Route((LedgerService, "create_draft"), send, effects, 201)


@pytest.fixture
def route(request, operator, funded) -> Route:
    return repayment_route(operator) if request.param == "loan route" else journal_entry_route()


def replayed(response: Response) -> str:
    return response.headers["Idempotent-Replayed"]


KINDS = pytest.mark.parametrize("route", ["loan route", "journal-entry route"], indirect=True)


@KINDS
def test_a_duplicate_arriving_while_the_first_runs_gets_the_first_answer(route, monkeypatch, duplicate_waits):
    gate = Gate(monkeypatch, *route.gated)
    first, first_out = in_thread(lambda: route.send("dup-1"))
    assert gate.entered.wait(30), "the first request never reached its operation"
    duplicate, duplicate_out = in_thread(lambda: route.send("dup-1"))
    # A loan route's duplicate performs the operation itself and wins the commit (the first then
    # finds its receipt); on the others it waits for the first, which holds the key's record.
    while duplicate.is_alive() and not duplicate_waits.is_set():
        duplicate.join(0.01)
    gate.release()
    first.join(30)
    duplicate.join(30)
    (one,), (two,) = first_out, duplicate_out
    assert one.status_code == two.status_code == route.status, (one.body, two.body)
    assert one.body == two.body
    assert sorted([replayed(one), replayed(two)]) == ["false", "true"]
    assert route.effects() == 1
    # And a retry afterwards replays the same answer.
    again = route.send("dup-1")
    assert (again.status_code, again.body, replayed(again)) == (route.status, one.body, "true")
    assert route.effects() == 1


@KINDS
def test_eight_at_once_with_one_key_are_one_operation_and_one_answer(route):
    start = threading.Barrier(8)

    def send() -> Response:
        start.wait(10)
        return route.send("dup-8")

    threads = [in_thread(send) for _ in range(8)]
    for thread, _ in threads:
        thread.join(60)
    replies = [out[0] for _, out in threads]
    assert [r.status_code for r in replies] == [route.status] * 8, [r.body for r in replies]
    assert len({r.body for r in replies}) == 1
    assert sorted(replayed(r) for r in replies) == ["false"] + ["true"] * 7
    assert route.effects() == 1


@pytest.mark.parametrize("route", ["journal-entry route"], indirect=True)
def test_a_first_request_still_running_after_the_wait_leaves_its_duplicate_a_409_to_retry(
    route, monkeypatch, duplicate_waits
):
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "0.2")
    reset_settings()
    gate = Gate(monkeypatch, *route.gated)
    first, first_out = in_thread(lambda: route.send("dup-slow"))
    assert gate.entered.wait(30)
    refused = route.send("dup-slow")
    assert duplicate_waits.is_set()
    assert refused.status_code == 409
    assert json.loads(refused.body) == {
        "code": "aborted",
        "message": "A request with this Idempotency-Key is still in progress; retry shortly",
        "reason": "IDEMPOTENCY_KEY_IN_USE",
        "details": [],
    }
    assert refused.headers["Retry-After"] == "1"
    gate.release()
    first.join(30)
    (one,) = first_out
    assert (one.status_code, replayed(one)) == (201, "false")
    retried = route.send("dup-slow")
    assert (retried.status_code, retried.body, replayed(retried)) == (201, one.body, "true")
    assert route.effects() == 1
    reset_settings()
