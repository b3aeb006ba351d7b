"""The accounting push end to end: outbox -> relay -> SQS FIFO -> push -> the local accounting
service over HTTP. Events arrive exactly as the seed specifies, in order per loan, once."""

import json
from collections import defaultdict
from decimal import Decimal

import boto3
import requests

from lms.integration.event_store import EventStore, PushStatus
from lms.loans.storage.store import LoanStore
from tests.support.data import active_loan, key, monthly_product, repay

SEED_FIELDS = {
    "DISBURSEMENT": {
        "customerId": str,
        "customerName": str,
        "loanId": str,
        "loanAmount": (int, float),
        "adminFee": (int, float),
        "vatOnAdminFee": (int, float),
        "disbursementDate": str,
    },
    "REVENUE_REPORT": {
        "customerId": str,
        "customerName": str,
        "loanId": str,
        "revenueMonth": str,
        "revenueAmount": (int, float),
    },
    "REPAYMENT": {
        "customerId": str,
        "customerName": str,
        "loanId": str,
        "repaymentPrincipal": (int, float),
        "repaymentInterest": (int, float),
        "repaymentDate": str,
        "feeAmount": (int, float),
        "feeName": str,
    },
    "EARLY_SETTLEMENT": {
        "customerId": str,
        "customerName": str,
        "loanId": str,
        "repaymentEarlySettlementPrincipal": (int, float),
        "repaymentEarlySettlementInterest": (int, float),
        "repaymentEarlySettlementDate": str,
        "feeAmount": (int, float),
        "feeName": str,
    },
}


def received(server, loan_id=None) -> list[dict]:
    params = {"loanId": str(loan_id)} if loan_id else {}
    return requests.get(f"{server.url}/events", params=params, timeout=5).json()["events"]


def accepted(server, loan_id) -> list[dict]:
    """What the accounting system applied; a redelivery it recognised would show `duplicateOf`."""
    applied = [e for e in received(server, loan_id) if e["accepted"]]
    assert not [e for e in applied if e.get("duplicateOf")], "an event was delivered again after it was applied"
    return applied


def invoices(server, loan_id) -> dict:
    return requests.get(f"{server.url}/invoices", params={"loanId": str(loan_id)}, timeout=5).json()


def statuses(loan_id) -> list[tuple[str, str]]:
    return [(r.type, r.status.value) for r in EventStore().of_loan(int(loan_id))]


def test_worked_example_reaches_the_books_in_order(operator, deliver, accounting, funded):
    loan = active_loan(operator)
    repay(operator, loan["id"], 11100)
    deliver()
    events = accepted(accounting, loan["id"])
    assert [e["eventType"] for e in events] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    assert statuses(loan["id"]) == [("DISBURSEMENT", "PUSHED"), ("REVENUE_REPORT", "PUSHED"), ("REPAYMENT", "PUSHED")]
    disbursement, revenue, repayment = (e["body"] for e in events)
    assert disbursement == {
        "customerId": loan["customerId"],
        "customerName": "Ada Lovelace",
        "loanId": loan["id"],
        "loanAmount": 10000.00,
        "adminFee": 200.00,
        "vatOnAdminFee": 36.00,
        "disbursementDate": "2026-05-23",
    }
    assert revenue == {
        "customerId": loan["customerId"],
        "customerName": "Ada Lovelace",
        "loanId": loan["id"],
        "revenueMonth": "2026-05",
        "revenueAmount": 1100.00,
    }
    assert repayment["repaymentPrincipal"] == 10000.00 and repayment["repaymentInterest"] == 1100.00
    assert repayment["feeAmount"] == 0 and repayment["feeName"] == ""
    books = invoices(accounting, loan["id"])
    assert Decimal(str(books["outstandingPrincipal"])) == 0
    assert Decimal(str(books["openInterest"])) == 0


def test_payloads_match_the_seed_field_table(admin, operator, deliver, accounting, funded):
    product = monthly_product(admin, settlementFee={"type": "fixed", "value": 20, "name": "Settlement fee"})
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    repay(operator, loan["id"], 300, on="2026-06-01")
    total = operator.get(f"/v1/loans/{loan['id']}/payoff", query={"date": "2026-06-10"}).json["total"]
    body = {"transactionDate": "2026-06-10", "transactionAmount": total, "paymentTypeId": 1, "receiptNumber": "S1"}
    assert operator.post(f"/v1/loans/{loan['id']}/early-settlement", body, headers=key()).status == 200
    deliver()
    events = accepted(accounting, loan["id"])
    assert [e["eventType"] for e in events] == [
        "DISBURSEMENT",
        "REVENUE_REPORT",
        "REPAYMENT",
        "REVENUE_REPORT",
        "EARLY_SETTLEMENT",
    ]
    for event in events:
        fields = SEED_FIELDS[event["eventType"]]
        raw = json.loads(json.dumps(event["body"]))
        assert set(raw) == set(fields), event["eventType"]
        for name, kind in fields.items():
            assert isinstance(raw[name], kind) and not isinstance(raw[name], bool), (event["eventType"], name)
    settlement = events[-1]["body"]
    assert settlement["feeName"] == "Settlement fee" and settlement["feeAmount"] == 20
    assert settlement["repaymentEarlySettlementDate"] == "2026-06-10"
    assert invoices(accounting, loan["id"])["settled"] is True


def test_order_kept_per_loan_in_batches_mixing_loans(operator, deliver, accounting, funded):
    loans = [active_loan(operator) for _ in range(3)]
    for amount in (2000, 3000, 6100):
        for loan in loans:
            repay(operator, loan["id"], amount)
    deliver()
    for loan in loans:
        events = accepted(accounting, loan["id"])
        assert [e["eventType"] for e in events] == [
            "DISBURSEMENT",
            "REVENUE_REPORT",
            "REPAYMENT",
            "REPAYMENT",
            "REPAYMENT",
        ]
        assert [e["body"]["repaymentPrincipal"] for e in events[2:]] == [900.0, 3000.0, 6100.0]
        assert all(status == "PUSHED" for _, status in statuses(loan["id"]))


def poison(loan_id: int, seq: int) -> None:
    """Corrupt a staged event so the accounting system refuses it (a blank customer name)."""
    store = EventStore()
    record = store.get(f"{loan_id}-{seq}")
    store.save(record.model_copy(update={"payload": {**record.payload, "customerName": ""}}))


def test_a_poisoned_event_blocks_only_its_loan(operator, deliver, drain, accounting, funded):
    bad, good = active_loan(operator), active_loan(operator)
    drain()  # relayed: the events are staged
    poison(int(bad["id"]), 1)
    repay(operator, bad["id"], 2000)
    repay(operator, good["id"], 2000)
    deliver(rounds=8)
    assert statuses(good["id"]) == [("DISBURSEMENT", "PUSHED"), ("REVENUE_REPORT", "PUSHED"), ("REPAYMENT", "PUSHED")]
    blocked = EventStore().of_loan(int(bad["id"]))
    # The loan's later events wait behind the failed one (FIFO holds them; none overtakes it).
    assert [r.status for r in blocked] == [PushStatus.FAILED, PushStatus.STAGED, PushStatus.STAGED]
    assert "customerName: must not be blank" in blocked[0].last_error
    assert blocked[0].attempts > 1
    assert accepted(accounting, bad["id"]) == []


def test_accounting_down_for_a_while_then_back(operator, deliver, accounting, funded):
    loan = active_loan(operator)
    repay(operator, loan["id"], 2000)
    requests.post(f"{accounting.url}/_control/outage", json={"status": 503, "count": 4}, timeout=5)
    deliver()
    events = accepted(accounting, loan["id"])
    assert [e["eventType"] for e in events] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    records = EventStore().of_loan(int(loan["id"]))
    assert all(r.status is PushStatus.PUSHED for r in records)
    assert records[0].attempts > 1  # it failed during the outage and was retried


def test_a_401_never_drops_an_event(operator, deliver, accounting, funded):
    secrets = boto3.client("secretsmanager")
    secrets.put_secret_value(SecretId="AccountingApiKeySecret", SecretString="wrong-key")
    loan = active_loan(operator)
    deliver(rounds=5)
    [record] = EventStore().of_loan(int(loan["id"]))
    assert record.status is PushStatus.FAILED and "401" in record.last_error
    secrets.put_secret_value(SecretId="AccountingApiKeySecret", SecretString="test-accounting-key")
    deliver()  # the next attempt fetches the key afresh after the 401
    assert EventStore().get(record.id).status is PushStatus.PUSHED
    assert [e["eventType"] for e in accepted(accounting, loan["id"])] == ["DISBURSEMENT"]


def failing_revenue_reports(monkeypatch, outcome, detail: str) -> dict[str, bool]:
    """The accounting system answers revenue reports with `outcome` while the switch is on."""
    from lms.integration import accounting_client

    real_push = accounting_client.HttpAccountingClient.push
    switch = {"on": True}

    def push(self, record, api_key):
        if record.type == "REVENUE_REPORT" and switch["on"]:
            return accounting_client.PushResult(outcome, detail)
        return real_push(self, record, api_key)

    monkeypatch.setattr(accounting_client.HttpAccountingClient, "push", push)
    return switch


def test_dead_letter_and_redrive(operator, deliver, accounting, funded, monkeypatch):
    from lms.integration import accounting_client
    from lms.integration.retry import redrive

    loan = active_loan(operator)
    repay(operator, loan["id"], 2000)
    # The accounting system answers 400 to revenue reports until fixed.
    broken = failing_revenue_reports(monkeypatch, accounting_client.Outcome.REJECTED, "400 Bad Request: rejected")
    deliver(rounds=15)
    records = EventStore().of_loan(int(loan["id"]))
    assert [(r.type, r.status.value, r.dead_lettered) for r in records] == [
        ("DISBURSEMENT", "PUSHED", False),
        ("REVENUE_REPORT", "FAILED", True),
        ("REPAYMENT", "FAILED", False),
    ]
    # The repayment is set aside behind the refused event, its message gone: no copy of it waits
    # in the loan's FIFO group ahead of what the redrive sends.
    assert [r.held_by for r in records] == [None, None, f"{loan['id']}-2"]
    assert records[2].attempts == 1
    sqs = boto3.client("sqs")
    dlq = sqs.get_queue_url(QueueName="PushDeadLetterQueue.fifo")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    assert messages[0]["MessageAttributes"]["reason"]["StringValue"] == "400 Bad Request: rejected"
    broken["on"] = False
    assert redrive(dlq) == {int(loan["id"]): 2}
    deliver()
    assert [e["eventType"] for e in accepted(accounting, loan["id"])] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []


def test_a_redrive_is_not_held_up_by_a_stale_copy_of_a_later_event(operator, deliver, accounting, funded, monkeypatch):
    """SQS moves an event to the dead-letter queue itself once its receives run out, while the
    loan's next event stays on the push queue. After the redrive, that event's old copy is first
    in the loan's group, ahead of the resent earlier event it waits for: it must be dropped."""
    from lms.integration import accounting_client
    from lms.integration.retry import redrive

    loan = active_loan(operator)
    repay(operator, loan["id"], 2000)
    # Revenue reports fail (retryably) until the accounting system is fixed.
    down = failing_revenue_reports(monkeypatch, accounting_client.Outcome.RETRY, "503 Service Unavailable")
    deliver(rounds=4)
    assert statuses(loan["id"]) == [("DISBURSEMENT", "PUSHED"), ("REVENUE_REPORT", "FAILED"), ("REPAYMENT", "STAGED")]
    sqs = boto3.client("sqs")
    queue = sqs.get_queue_url(QueueName="PushQueue.fifo")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="PushDeadLetterQueue.fifo")["QueueUrl"]
    # What the redrive policy does at the last receive: the head of the group moves to the DLQ.
    [head] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"]
    assert json.loads(head["Body"])["eventId"] == f"{loan['id']}-2"
    sqs.send_message(QueueUrl=dlq, MessageBody=head["Body"], MessageGroupId=loan["id"], MessageDeduplicationId="moved")
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=head["ReceiptHandle"])
    deliver(rounds=3)  # the repayment's copy now leads its group and waits for the revenue report
    assert statuses(loan["id"])[2] == ("REPAYMENT", "FAILED")
    down["on"] = False
    assert redrive(dlq) == {int(loan["id"]): 2}
    deliver()
    assert [e["eventType"] for e in accepted(accounting, loan["id"])] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    assert [r.resends for r in EventStore().of_loan(int(loan["id"]))] == [0, 1, 1]
    assert statuses(loan["id"]) == [("DISBURSEMENT", "PUSHED"), ("REVENUE_REPORT", "PUSHED"), ("REPAYMENT", "PUSHED")]


def test_retry_endpoint_resends_in_order(admin, operator, deliver, drain, accounting, funded):
    loan = active_loan(operator)
    drain()
    poison(int(loan["id"]), 1)
    repay(operator, loan["id"], 2000)
    deliver(rounds=6)
    failed = admin.get("/v1/integration/events", query={"loanId": loan["id"], "status": "FAILED"}).json
    assert [e["id"] for e in failed["items"]] == [f"{loan['id']}-1"]
    assert "customerName" in failed["items"][0]["lastError"]
    store = EventStore()
    record = store.get(f"{loan['id']}-1")
    store.save(record.model_copy(update={"payload": {**record.payload, "customerName": "Ada Lovelace"}}))
    reply = admin.post(f"/v1/integration/events/{loan['id']}-1/retry")
    assert reply.status == 200, reply
    assert [e["id"] for e in reply.json["resent"]] == [f"{loan['id']}-1", f"{loan['id']}-2", f"{loan['id']}-3"]
    deliver()
    assert [e["eventType"] for e in accepted(accounting, loan["id"])] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    pushed = admin.get("/v1/integration/events", query={"loanId": loan["id"], "status": "PUSHED"}).json
    assert pushed["total"] == 3
    again = admin.post(f"/v1/integration/events/{loan['id']}-1/retry")
    assert (again.status, again.json["reason"]) == (400, "ALREADY_PUSHED")
    assert admin.post("/v1/integration/events/99-1/retry").status == 404


def test_duplicate_stream_records_send_once(operator, deliver, accounting, funded):
    from devstack.lambdas import Functions
    from tests.conftest import STACK

    loan = active_loan(operator)
    deliver()
    record = {
        "eventID": "x",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"PK": {"S": f"LOAN#{loan['id']}"}, "SK": {"S": "LOAN"}}, "SequenceNumber": "1"},
    }
    result = Functions(STACK, inline=True).invoke("RelayOutboxFunction", {"Records": [record, record]})
    assert result["batchItemFailures"] == []
    deliver()
    assert len(received(accounting, loan["id"])) == 1


def test_interest_income_equals_revenue_reported(admin, operator, deliver, accounting, funded):
    product = monthly_product(admin)
    loan = active_loan(operator, product_id=int(product["id"]), on="2026-05-01")
    for amount, day in ((1300, "2026-06-01"), (1300, "2026-07-03"), (55.5, "2026-07-20")):
        repay(operator, loan["id"], amount, on=day)
    deliver()
    stored = LoanStore().get(int(loan["id"]))
    income = sum(
        (line.credit - line.debit for entry in stored.journal for line in entry.lines if line.account_id == "4100"),
        Decimal(0),
    )
    reported = defaultdict(Decimal)
    for event in accepted(accounting, loan["id"]):
        if event["eventType"] == "REVENUE_REPORT":
            reported[event["body"]["revenueMonth"]] += Decimal(str(event["body"]["revenueAmount"]))
    assert income == sum(reported.values()) == Decimal("150.00")
    assert reported == {"2026-06": Decimal("50"), "2026-07": Decimal("100")}


def test_a_reversal_after_a_push_reaches_the_accounting_system(operator, deliver, accounting, funded):
    loan = active_loan(operator)
    paid = repay(operator, loan["id"], 2000).json
    deliver()
    assert Decimal(str(invoices(accounting, loan["id"])["outstandingPrincipal"])) == Decimal("9100.00")
    operator.post(f"/v1/loans/{loan['id']}/repayments/{paid['id']}/reverse", headers=key())
    deliver()
    types = [e["eventType"] for e in accepted(accounting, loan["id"])]
    # The payment, then the interest it had brought forward (no month of it is earned yet).
    assert types == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT", "REVERSAL", "REVERSAL"]
    books = invoices(accounting, loan["id"])
    assert Decimal(str(books["outstandingPrincipal"])) == Decimal("10000.00")
    assert Decimal(str(books["openInterest"])) == Decimal("0")


def test_the_relay_reads_a_loan_s_head_and_cursor_not_its_history(operator, deliver, accounting, funded):
    """The head's tail holds the newest events: a relay that keeps up reads the head and its cursor
    in one batch, however many pages the loan has; one whose cursor fell behind a sealed page
    reads back the newest pages to its next event, and nothing is applied twice."""
    from devstack.lambdas import Functions
    from lms.integration.relay import cursor_key
    from lms.loans.storage.store import loan_key
    from tests.conftest import STACK
    from tests.support.round_trips import RoundTrips

    loan = active_loan(operator)
    lid = int(loan["id"])
    store = LoanStore()
    while not store.table.get(loan_key(lid)).get("pageCount"):
        repay(operator, loan["id"], 10, on="2026-05-24")
    deliver()
    repay(operator, loan["id"], 10, on="2026-05-24")  # committed; its stream record not handled yet
    record = {
        "eventID": "relay-count",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"PK": {"S": f"LOAN#{lid}"}, "SK": {"S": "LOAN"}}, "SequenceNumber": "1"},
    }
    functions = Functions(STACK, inline=True)
    counter = RoundTrips()
    try:
        _, calls = counter.during(lambda: functions.invoke("RelayOutboxFunction", {"Records": [record]}))
        assert calls[0] == "BatchGetItem" and "Query" not in calls, calls  # then the event staged, the cursor
        boto3.client("dynamodb").delete_item(TableName=store.table.name, Key=cursor_key(lid).av())
        _, calls = counter.during(lambda: functions.invoke("RelayOutboxFunction", {"Records": [record]}))
        assert calls[:2] == ["BatchGetItem", "Query"], calls  # the events from the first: in sealed pages
    finally:
        counter.remove()
    deliver()
    types = [e["eventType"] for e in accepted(accounting, loan["id"])]
    assert len(types) == len(EventStore().of_loan(lid)) and types[0] == "DISBURSEMENT"
    assert all(r.status is PushStatus.PUSHED for r in EventStore().of_loan(lid))
