"""Webhooks end to end on moto: subscriptions (admin routes), notices written as a loan commit writes
them, the core table's stream fanning them out, the webhook queue delivering them, signed, to a
receiver on 127.0.0.1 that verifies each request with the `standardwebhooks` reference library."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import datetime, timedelta

import pytest

from devstack.lambdas import Functions
from lms import clock
from lms.config import reset_settings
from lms.storage.dynamo import Key, serialize
from lms.storage.tables import core_table
from lms.webhooks import network, queue
from lms.webhooks.store import WebhookStore
from tests.conftest import STACK
from tests.support.data import approved_loan, key
from tests.support.webhook_receiver import WebhookReceiver

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
WEBHOOK_ID = re.compile(r"^wh_[0-9a-z]{26}$")
PUBLIC_URL = "https://hooks.example.com/lms-events"
ALL_EVENTS = ["disbursement.completed", "disbursement.failed", "loan.closed", "loan.overpaid"]

# Names the tests resolve without a network; anything else (IP literals, localhost) resolves for real.
FAKE_DNS = {
    "hooks.example.com": ["93.184.215.14"],
    "crm.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "internal.example.com": ["10.1.2.3"],
    "metadata.example.com": ["93.184.215.14", "169.254.169.254"],
    "mapped.example.com": ["::ffff:127.0.0.1"],
    "v6-private.example.com": ["fd00::5"],
}


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    table = {name: list(addresses) for name, addresses in FAKE_DNS.items()}
    real = network.resolve_host
    monkeypatch.setattr(network, "resolve_host", lambda host, port: table[host] if host in table else real(host, port))
    return table


@pytest.fixture
def configure(monkeypatch):
    """Set webhook settings for this test; by default a deployment's (https, public hosts only)."""

    def apply(**values) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))
        reset_settings()

    apply(WEBHOOK_ALLOW_HTTP="false", WEBHOOK_ALLOW_LOOPBACK="false", WEBHOOK_RETRY_BASE_SECONDS="0")
    monkeypatch.delenv("WEBHOOK_MAX_ATTEMPTS", raising=False)
    reset_settings()
    yield apply
    reset_settings()


@pytest.fixture
def receiver(configure):
    """A receiver on this machine: plain http to 127.0.0.1, allowed as on the local stack."""
    configure(WEBHOOK_ALLOW_HTTP="true", WEBHOOK_ALLOW_LOOPBACK="true")
    server = WebhookReceiver().start()
    yield server
    server.stop()


def subscribe(admin, receiver: WebhookReceiver, path: str, events: list[str]) -> dict:
    reply = admin.post("/v1/webhooks", {"url": receiver.url + path, "events": events})
    assert reply.status == 201, reply
    receiver.expect(path, reply.json["secret"])
    return reply.json


def seed_body(event: str, loan_id: int, n: int = 1) -> str:
    """A body as loan commits will write it: the seed's fields, compact JSON."""
    fields = {"event": event}
    if event.startswith("disbursement."):
        fields["transactionId"] = f"DISB-{loan_id}-{n}"
    fields |= {
        "loanId": loan_id,
        "status": {"disbursement.completed": "COMPLETED", "disbursement.failed": "FAILED"}.get(event, "CLOSED"),
        "timestamp": "2026-11-24T10:00:00.123456+00:00",
    }
    if event == "loan.overpaid":
        fields["status"] = "OVERPAID"
    return json.dumps(fields, separators=(",", ":"))


def write_notice(notice_id: str, event: str, loan_id: int, body: str | None = None) -> str:
    """The notice item, as a loan's commit writes it into the core table."""
    body = body if body is not None else seed_body(event, loan_id)
    core_table().put(
        {
            "PK": f"NOTICE#{notice_id}",
            "SK": "NOTICE",
            "entity": "notice",
            "id": notice_id,
            "type": event,
            "loanId": loan_id,
            "body": body,
            "createdAt": clock.timestamp(),
            "expiresAt": int(time.time()) + 7 * 86400,
        }
    )
    return body


def deliveries(admin, webhook_id: str, **query) -> dict:
    reply = admin.get(f"/v1/webhooks/{webhook_id}/deliveries", query=query or None)
    assert reply.status == 200, reply
    return reply.json


def codes(delivery: dict) -> list[int | None]:
    return [attempt["statusCode"] for attempt in delivery["attempts"]]


# ------------------------------------------------------------------------------ subscriptions
def test_create_list_get_delete_with_exact_bodies(admin, configure, dns):
    created = admin.post(
        "/v1/webhooks",
        {"url": PUBLIC_URL, "events": ["disbursement.completed", "loan.closed"], "description": "CRM"},
    )
    assert created.status == 201, created
    assert created.headers["Cache-Control"] == "no-store"
    body = created.json
    assert WEBHOOK_ID.fullmatch(body["id"]) and TIMESTAMP.fullmatch(body["createdAt"])
    secret = body["secret"]
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", secret)
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24
    shown = {
        "id": body["id"],
        "url": PUBLIC_URL,
        "events": ["disbursement.completed", "loan.closed"],
        "description": "CRM",
        "active": True,
        "createdAt": body["createdAt"],
        "deletedAt": None,
    }
    assert body == {**shown, "secret": secret}

    listed = admin.get("/v1/webhooks")
    assert listed.status == 200
    assert listed.json == {"items": [shown], "total": 1, "page": 1, "rowsPerPage": 20}
    one = admin.get(f"/v1/webhooks/{body['id']}")
    assert (one.status, one.json) == (200, shown)
    assert deliveries(admin, body["id"]) == {"items": [], "total": 0, "page": 1, "rowsPerPage": 20}

    second = admin.post("/v1/webhooks", {"url": "https://crm.example.com/in", "events": ["loan.overpaid"]})
    assert second.status == 201, second
    assert second.json["description"] is None and second.json["secret"] != secret
    page = admin.get("/v1/webhooks", query={"page": 2, "rows": 1}).json
    assert page["total"] == 2 and [w["id"] for w in page["items"]] == [second.json["id"]]

    deleted = admin.delete(f"/v1/webhooks/{body['id']}")
    assert deleted.status == 200, deleted
    gone = deleted.json
    assert TIMESTAMP.fullmatch(gone["deletedAt"]) and gone["deletedAt"] >= gone["createdAt"]
    assert gone == {**shown, "active": False, "deletedAt": gone["deletedAt"]}
    again = admin.delete(f"/v1/webhooks/{body['id']}")
    assert (again.status, again.json) == (200, gone)  # deleting twice changes nothing
    assert admin.get(f"/v1/webhooks/{body['id']}").json == gone
    assert [w["active"] for w in admin.get("/v1/webhooks").json["items"]] == [False, True]

    # The secret is in the creating answer only.
    for reply in (listed, one, deleted, again, admin.get("/v1/webhooks"), admin.get(f"/v1/webhooks/{body['id']}")):
        assert secret not in reply.raw.decode() and "secret" not in reply.json


@pytest.mark.parametrize(
    "webhook_id", ["wh_00000000000000000000000000", "nope", "wh_01KQ7FZD2M3J9Q4R5S6T7V8W9X", "wh_" + "a" * 300]
)
def test_unknown_or_malformed_ids_are_not_found(admin, configure, dns, webhook_id):
    assert admin.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["loan.closed"]}).status == 201
    for reply in (
        admin.get(f"/v1/webhooks/{webhook_id}"),
        admin.delete(f"/v1/webhooks/{webhook_id}"),
        admin.get(f"/v1/webhooks/{webhook_id}/deliveries"),
    ):
        assert reply.status == 404, reply
        assert reply.json == {
            "code": "not_found",
            "message": f"Webhook {webhook_id} does not exist",
            "reason": "WEBHOOK_NOT_FOUND",
            "details": [],
        }


def test_only_admins_manage_webhooks(admin, operator, viewer, configure, dns):
    webhook = admin.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["loan.closed"]}).json
    for client in (operator, viewer):
        for reply in (
            client.post("/v1/webhooks", {"url": PUBLIC_URL, "events": ["loan.closed"]}),
            client.get("/v1/webhooks"),
            client.get(f"/v1/webhooks/{webhook['id']}"),
            client.delete(f"/v1/webhooks/{webhook['id']}"),
            client.get(f"/v1/webhooks/{webhook['id']}/deliveries"),
        ):
            assert reply.status == 403, reply
            assert reply.json["code"] == "permission_denied"
    assert admin.get("/v1/webhooks").json["total"] == 1
    assert admin.get(f"/v1/webhooks/{webhook['id']}").json["active"] is True


# ------------------------------------------------------------------------------ validation
LOOPBACK = "a loopback address"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        # not https
        ({"url": "http://hooks.example.com/x"}, "url", "must use https"),
        ({"url": "ftp://hooks.example.com/x"}, "url", "must be an absolute https URL"),
        ({"url": "hooks.example.com/x"}, "url", "must be an absolute https URL"),
        # credentials, fragments, ports, characters, length
        ({"url": "https://user:pw@hooks.example.com/x"}, "url", "must not contain credentials"),
        ({"url": "https://hooks.example.com/x#top"}, "url", "must not have a fragment"),
        ({"url": "https://hooks.example.com:70000/x"}, "url", "has an invalid port"),
        (
            {"url": "https://hooks.example.com/a b"},
            "url",
            "must be ASCII without spaces or control characters (write a host name in punycode)",
        ),
        ({"url": "https://hooks.example.com/" + "a" * 2023}, "url", "String should have at most 2048 characters"),
        # private, loopback, link-local, multicast, reserved, unspecified: IPv4
        ({"url": "https://127.0.0.1/x"}, "url", f"host 127.0.0.1 is {LOOPBACK}"),
        ({"url": "https://10.0.0.1/x"}, "url", "host 10.0.0.1 is a private address"),
        ({"url": "https://172.16.5.4/x"}, "url", "host 172.16.5.4 is a private address"),
        ({"url": "https://192.168.1.1:8443/x"}, "url", "host 192.168.1.1 is a private address"),
        ({"url": "https://169.254.169.254/latest/meta-data/"}, "url", "host 169.254.169.254 is a link-local address"),
        ({"url": "https://0.0.0.0/x"}, "url", "host 0.0.0.0 is an unspecified address"),
        ({"url": "https://224.0.0.1/x"}, "url", "host 224.0.0.1 is a multicast address"),
        ({"url": "https://240.0.0.1/x"}, "url", "host 240.0.0.1 is a reserved address"),
        ({"url": "https://100.64.0.1/x"}, "url", "host 100.64.0.1 is not a public address"),
        # ... IPv6, and IPv6 carrying IPv4
        ({"url": "https://[::1]/x"}, "url", f"host ::1 is {LOOPBACK}"),
        ({"url": "https://[::]/x"}, "url", "host :: is an unspecified address"),
        ({"url": "https://[fc00::1]/x"}, "url", "host fc00::1 is a private address"),
        ({"url": "https://[fd12:3456::1]/x"}, "url", "host fd12:3456::1 is a private address"),
        ({"url": "https://[fe80::1]/x"}, "url", "host fe80::1 is a link-local address"),
        ({"url": "https://[ff02::1]/x"}, "url", "host ff02::1 is a multicast address"),
        ({"url": "https://[::ffff:127.0.0.1]/x"}, "url", f"host ::ffff:127.0.0.1 is {LOOPBACK}"),
        ({"url": "https://[::ffff:a9fe:a9fe]/x"}, "url", "host ::ffff:a9fe:a9fe is a link-local address"),
        ({"url": "https://[::ffff:10.0.0.1]/x"}, "url", "host ::ffff:10.0.0.1 is a private address"),
        # other spellings of loopback, and names that resolve to private addresses
        ({"url": "https://2130706433/x"}, "url", f"host 2130706433 resolves to 127.0.0.1, {LOOPBACK}"),
        ({"url": "https://0x7f.0.0.1/x"}, "url", f"host 0x7f.0.0.1 resolves to 127.0.0.1, {LOOPBACK}"),
        (
            {"url": "https://internal.example.com/x"},
            "url",
            "host internal.example.com resolves to 10.1.2.3, a private address",
        ),
        (
            {"url": "https://metadata.example.com/x"},
            "url",
            "host metadata.example.com resolves to 169.254.169.254, a link-local address",
        ),
        (
            {"url": "https://mapped.example.com/x"},
            "url",
            f"host mapped.example.com resolves to ::ffff:127.0.0.1, {LOOPBACK}",
        ),
        (
            {"url": "https://v6-private.example.com/x"},
            "url",
            "host v6-private.example.com resolves to fd00::5, a private address",
        ),
        ({"url": "https://nowhere.invalid/x"}, "url", "host nowhere.invalid could not be resolved"),
        # events
        ({"events": []}, "events", "must name at least one event type"),
        ({"events": ["loan.closed", "loan.closed"]}, "events", "must name each event type once"),
        (
            {"events": ["loan.opened"]},
            "events.0",
            "Input should be 'disbursement.completed', 'disbursement.failed', 'loan.closed', 'loan.overpaid', "
            "'loan.overdue', 'loan.delinquency_changed' or 'loan.payment_due'",
        ),
        ({"events": ["loan.closed", "LOAN.CLOSED"]}, "events.1", "Input should be 'disbursement.completed'"),
        ({"events": "loan.closed"}, "events", "Input should be a valid list"),
        # missing and unknown fields
        ({"url": None}, "url", "Input should be a valid string"),
        ({"description": "   "}, "description", "must not be blank"),
        ({"secret": "whsec_mine"}, "secret", "The parameter `secret` is not supported."),
    ],
)
def test_invalid_subscriptions_are_refused_naming_the_field_and_nothing_is_stored(
    admin, configure, dns, body, field, message
):
    request = {"url": PUBLIC_URL, "events": ["loan.closed"], **body}
    reply = admin.post("/v1/webhooks", request)
    assert reply.status == 400, reply
    assert reply.json["code"] == "invalid_argument"
    details = reply.json["details"]
    assert [d["field"] for d in details] == [field], details
    assert details[0]["message"].startswith(message), details
    assert admin.get("/v1/webhooks").json == {"items": [], "total": 0, "page": 1, "rowsPerPage": 20}


@pytest.mark.parametrize("missing", ["url", "events"])
def test_url_and_events_are_mandatory(admin, configure, dns, missing):
    request = {"url": PUBLIC_URL, "events": ["loan.closed"]}
    del request[missing]
    reply = admin.post("/v1/webhooks", request)
    assert reply.status == 400
    assert reply.json["details"] == [{"field": missing, "message": f"The parameter `{missing}` is mandatory."}]
    assert admin.get("/v1/webhooks").json["total"] == 0


def test_the_local_stacks_settings_allow_http_and_local_receivers(admin, configure, dns):
    assert admin.post("/v1/webhooks", {"url": "http://hooks.example.com/x", "events": ["loan.closed"]}).status == 400
    configure(WEBHOOK_ALLOW_HTTP="true")
    assert admin.post("/v1/webhooks", {"url": "http://hooks.example.com/x", "events": ["loan.closed"]}).status == 201
    refused = admin.post("/v1/webhooks", {"url": "http://127.0.0.1:8080/x", "events": ["loan.closed"]})
    assert refused.json["details"] == [{"field": "url", "message": f"host 127.0.0.1 is {LOOPBACK}"}]
    configure(WEBHOOK_ALLOW_LOOPBACK="true")
    assert admin.post("/v1/webhooks", {"url": "http://127.0.0.1:8080/x", "events": ["loan.closed"]}).status == 201
    assert admin.post("/v1/webhooks", {"url": "http://localhost:8080/x", "events": ["loan.closed"]}).status == 201
    # Never credentials, other schemes or names that do not resolve.
    for url, message in [
        ("http://a:b@127.0.0.1/x", "must not contain credentials"),
        ("file:///etc/passwd", "must be an absolute https URL"),
        ("http://nowhere.invalid/x", "host nowhere.invalid could not be resolved"),
    ]:
        reply = admin.post("/v1/webhooks", {"url": url, "events": ["loan.closed"]})
        assert reply.json["details"] == [{"field": "url", "message": message}], url
    assert admin.get("/v1/webhooks").json["total"] == 3


# ------------------------------------------------------------------------------ delivery
def test_a_notice_reaches_the_receiver_signed_as_standard_webhooks_says(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/hooks?source=lms", ["disbursement.completed", "loan.closed"])
    body = write_notice("ntc_12_7_1", "disbursement.completed", 12)
    before = int(time.time())
    webhook_pipeline()
    after = int(time.time())

    [request] = receiver.received
    assert request.refused is None, request.refused
    assert request.verified == json.loads(body)  # what the library verified is what the loan committed
    assert request.verified == {
        "event": "disbursement.completed",
        "transactionId": "DISB-12-1",
        "loanId": 12,
        "status": "COMPLETED",
        "timestamp": "2026-11-24T10:00:00.123456+00:00",
    }
    assert request.body == body.encode()  # byte for byte
    assert request.path == "/hooks?source=lms"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == f"msg_ntc_12_7_1_{webhook['id']}"
    assert before <= int(request.headers["webhook-timestamp"]) <= after
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", request.headers["webhook-signature"])

    # The library refuses the same request changed in any part: body, time (a replay re-dated), id.
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    verifier = Webhook(webhook["secret"])
    assert verifier.verify(request.body, request.headers) == request.verified
    for body_, headers in [
        (request.body.replace(b"COMPLETED", b"FAILED"), request.headers),
        (request.body, {**request.headers, "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) + 1)}),
        (request.body, {**request.headers, "webhook-id": "msg_ntc_12_7_2_" + webhook["id"]}),
    ]:
        with pytest.raises(WebhookVerificationError, match="No matching signature found"):
            verifier.verify(body_, headers)

    [delivery] = deliveries(admin, webhook["id"])["items"]
    [attempt] = delivery["attempts"]
    assert isinstance(attempt["durationMs"], int) and 0 <= attempt["durationMs"] < 5000
    assert TIMESTAMP.fullmatch(attempt["attemptedAt"]) and TIMESTAMP.fullmatch(delivery["createdAt"])
    assert delivery == {
        "id": f"msg_ntc_12_7_1_{webhook['id']}",
        "event": "disbursement.completed",
        "status": "SUCCEEDED",
        "attempts": [
            {
                "attemptedAt": attempt["attemptedAt"],
                "statusCode": 200,
                "error": None,
                "durationMs": attempt["durationMs"],
            }
        ],
        "nextAttemptAt": None,
        "failureReason": None,
        "createdAt": delivery["createdAt"],
        "body": body,
    }
    assert delivery["createdAt"] <= attempt["attemptedAt"]
    assert webhook_pipeline() == 0 and len(receiver.received) == 1  # nothing more to do


def test_a_delivery_signed_long_ago_is_refused_by_the_receivers_library(
    admin, receiver, webhook_pipeline, configure, monkeypatch
):
    """Replay protection: a request whose webhook-timestamp is more than five minutes old is refused."""
    configure(WEBHOOK_MAX_ATTEMPTS="2")
    webhook = subscribe(admin, receiver, "/old", ["loan.closed"])
    write_notice("ntc_3_4_1", "loan.closed", 3)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() - timedelta(minutes=6))
    webhook_pipeline()
    assert [r.refused for r in receiver.received] == ["Message timestamp too old"] * 2
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], codes(delivery)) == ("FAILED", [401, 401])
    assert [a["error"] for a in delivery["attempts"]] == ["HTTP 401", "HTTP 401"]


def test_a_receiver_that_fails_twice_then_answers_gets_three_attempts(admin, receiver, webhook_pipeline):
    receiver.script = [500, 500, 200]
    webhook = subscribe(admin, receiver, "/flaky", ["loan.closed"])
    body = write_notice("ntc_5_9_1", "loan.closed", 5)
    webhook_pipeline()

    assert [r.status for r in receiver.received] == [500, 500, 200]
    assert {r.headers["webhook-id"] for r in receiver.received} == {f"msg_ntc_5_9_1_{webhook['id']}"}
    assert all(r.refused is None and r.body == body.encode() for r in receiver.received)
    page = deliveries(admin, webhook["id"])
    assert page["total"] == 1
    [delivery] = page["items"]
    assert (delivery["status"], delivery["nextAttemptAt"], delivery["failureReason"]) == ("SUCCEEDED", None, None)
    assert codes(delivery) == [500, 500, 200]
    assert [a["error"] for a in delivery["attempts"]] == ["HTTP 500", "HTTP 500", None]
    times = [a["attemptedAt"] for a in delivery["attempts"]]
    assert times == sorted(times)


def test_failed_attempts_wait_the_base_then_twice_as_long_each_time(
    admin, receiver, webhook_pipeline, configure, monkeypatch
):
    """The backoff asked of SQS and shown as nextAttemptAt: base, 2 x base, 4 x base ... (here the
    message is made visible at once after recording the delay, so the test does not wait)."""
    configure(WEBHOOK_RETRY_BASE_SECONDS="60", WEBHOOK_MAX_ATTEMPTS="4")
    receiver.script = [503, 503, 503, 503]
    webhook = subscribe(admin, receiver, "/down", ["loan.overpaid"])
    write_notice("ntc_8_2_1", "loan.overpaid", 8)
    asked: list[int] = []
    seen_pending = []
    real_delay = queue.delay

    def delay(receipt_handle: str, seconds: int) -> None:
        asked.append(seconds)
        seen_pending.append(WebhookStore().delivery_and_subscription(webhook["id"], "ntc_8_2_1")[0])
        real_delay(receipt_handle, 0)

    monkeypatch.setattr(queue, "delay", delay)
    webhook_pipeline()
    assert asked == [60, 120, 240]  # no delay after the last attempt: it is FAILED
    for pending, wait in zip(seen_pending, asked, strict=True):
        assert pending.status == "PENDING"
        last = datetime.fromisoformat(pending.attempts[-1].attempted_at)
        waited = (datetime.fromisoformat(pending.next_attempt_at) - last).total_seconds()
        assert wait <= waited < wait + 2
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], codes(delivery)) == ("FAILED", [503] * 4)
    assert (delivery["nextAttemptAt"], delivery["failureReason"]) == (None, "no 2xx answer after 4 attempts")


@pytest.mark.parametrize(("max_attempts", "expected"), [(None, 8), ("3", 3)])
def test_a_receiver_always_failing_ends_failed_after_the_maximum_attempts(
    admin, receiver, webhook_pipeline, configure, max_attempts, expected
):
    if max_attempts:
        configure(WEBHOOK_MAX_ATTEMPTS=max_attempts)
    receiver.script = [500] * 20
    webhook = subscribe(admin, receiver, "/broken", ["disbursement.failed"])
    write_notice("ntc_4_1_1", "disbursement.failed", 4)
    webhook_pipeline()
    assert len(receiver.received) == expected
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], codes(delivery)) == ("FAILED", [500] * expected)
    assert delivery["failureReason"] == f"no 2xx answer after {expected} attempts"
    assert webhook_pipeline() == 0 and len(receiver.received) == expected  # the message is gone


def test_a_receiver_not_listening_is_a_failed_attempt_without_status(admin, configure, webhook_pipeline):
    import socket

    configure(WEBHOOK_ALLOW_HTTP="true", WEBHOOK_ALLOW_LOOPBACK="true", WEBHOOK_MAX_ATTEMPTS="2")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    webhook = admin.post("/v1/webhooks", {"url": f"http://127.0.0.1:{port}/x", "events": ["loan.closed"]}).json
    write_notice("ntc_6_1_1", "loan.closed", 6)
    webhook_pipeline()
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], codes(delivery)) == ("FAILED", [None, None])
    assert all(a["error"].startswith("ConnectionRefusedError: ") for a in delivery["attempts"])


def test_a_name_that_resolves_privately_at_send_time_is_not_posted_to(admin, configure, dns, webhook_pipeline):
    """DNS rebinding: the name was public when subscribed; at delivery it resolves to this machine,
    where a receiver listens. The attempt is refused before any connection."""
    configure(WEBHOOK_ALLOW_HTTP="true", WEBHOOK_MAX_ATTEMPTS="1")
    server = WebhookReceiver().start()
    try:
        port = server.url.rsplit(":", 1)[1]
        dns["rebind.example.com"] = ["93.184.215.14"]
        reply = admin.post("/v1/webhooks", {"url": f"http://rebind.example.com:{port}/x", "events": ["loan.closed"]})
        assert reply.status == 201, reply
        dns["rebind.example.com"] = ["127.0.0.1"]
        write_notice("ntc_9_1_1", "loan.closed", 9)
        webhook_pipeline()
        assert server.received == []
    finally:
        server.stop()
    [delivery] = deliveries(admin, reply.json["id"])["items"]
    assert delivery["status"] == "FAILED"
    assert delivery["attempts"][0]["statusCode"] is None
    assert delivery["attempts"][0]["error"] == (
        "URL refused: host rebind.example.com resolves to 127.0.0.1, a loopback address"
    )


# ------------------------------------------------------------------------------ who gets what
def test_only_subscriptions_wanting_the_event_get_it(admin, receiver, webhook_pipeline):
    disbursements = subscribe(admin, receiver, "/disbursements", ["disbursement.completed"])
    closures = subscribe(admin, receiver, "/closures", ["loan.closed"])
    both = subscribe(admin, receiver, "/both", ["loan.closed", "disbursement.completed"])
    everything = subscribe(admin, receiver, "/all", ALL_EVENTS)
    write_notice("ntc_1_1_1", "disbursement.completed", 1)
    webhook_pipeline()
    write_notice("ntc_1_5_1", "loan.closed", 1)
    webhook_pipeline()
    write_notice("ntc_2_3_1", "loan.overpaid", 2)
    webhook_pipeline()

    def got(path: str) -> list[str]:
        return [r.verified["event"] for r in receiver.at(path) if r.refused is None]

    assert got("/disbursements") == ["disbursement.completed"]
    assert got("/closures") == ["loan.closed"]
    assert got("/both") == ["disbursement.completed", "loan.closed"]
    assert got("/all") == ["disbursement.completed", "loan.closed", "loan.overpaid"]
    assert len(receiver.received) == 7
    # Each subscription's deliveries, newest first.
    assert [d["id"] for d in deliveries(admin, both["id"])["items"]] == [
        f"msg_ntc_1_5_1_{both['id']}",
        f"msg_ntc_1_1_1_{both['id']}",
    ]
    assert [d["event"] for d in deliveries(admin, everything["id"])["items"]] == [
        "loan.overpaid",
        "loan.closed",
        "disbursement.completed",
    ]
    assert deliveries(admin, everything["id"], page=2, rows=2)["items"][0]["event"] == "disbursement.completed"
    assert deliveries(admin, disbursements["id"])["total"] == 1
    assert deliveries(admin, closures["id"])["total"] == 1


def test_a_deleted_subscription_gets_nothing_more(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/soon-gone", ["loan.closed"])
    write_notice("ntc_7_1_1", "loan.closed", 7)
    webhook_pipeline()
    assert len(receiver.received) == 1
    assert admin.delete(f"/v1/webhooks/{webhook['id']}").status == 200
    write_notice("ntc_7_2_1", "loan.closed", 7)
    webhook_pipeline()
    assert len(receiver.received) == 1
    assert [d["id"] for d in deliveries(admin, webhook["id"])["items"]] == [f"msg_ntc_7_1_1_{webhook['id']}"]


def test_a_delivery_queued_before_its_subscription_was_deleted_is_not_sent(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/deleted-meanwhile", ["loan.closed"])
    write_notice("ntc_7_3_1", "loan.closed", 7)
    Functions(STACK, inline=True).invoke("FanOutWebhooksFunction", stream_event("ntc_7_3_1", "loan.closed", 7))
    assert admin.delete(f"/v1/webhooks/{webhook['id']}").status == 200
    webhook_pipeline()
    assert receiver.received == []
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], delivery["attempts"], delivery["failureReason"]) == (
        "FAILED",
        [],
        "subscription deleted",
    )


# ------------------------------------------------------------------------------ at most one delivery
def stream_event(notice_id: str, event: str, loan_id: int, sequence: str = "900000000000000000000001") -> dict:
    """The stream record Lambda hands the fan-out for a notice (as the local stream worker builds it)."""
    item = core_table().get(Key(f"NOTICE#{notice_id}", "NOTICE"))
    assert item and item["type"] == event and item["loanId"] == loan_id
    return {
        "Records": [
            {
                "eventID": f"replayed-{notice_id}",
                "eventName": "INSERT",
                "eventSource": "aws:dynamodb",
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/CoreTable/stream/local",
                "dynamodb": {
                    "Keys": {"PK": {"S": f"NOTICE#{notice_id}"}, "SK": {"S": "NOTICE"}},
                    "NewImage": serialize(item),
                    "SequenceNumber": sequence,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            }
        ]
    }


def test_a_stream_record_delivered_twice_makes_one_delivery(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/once", ["disbursement.completed"])
    write_notice("ntc_11_2_1", "disbursement.completed", 11)
    webhook_pipeline()
    # Lambda hands the same record over again (a retried batch): nothing new is created or sent.
    fan_out = Functions(STACK, inline=True)
    assert fan_out.invoke("FanOutWebhooksFunction", stream_event("ntc_11_2_1", "disbursement.completed", 11)) == {
        "batchItemFailures": []
    }
    webhook_pipeline()
    assert len(receiver.received) == 1
    assert deliveries(admin, webhook["id"])["total"] == 1


def test_a_crash_between_creating_and_queueing_is_made_good_by_the_retry(
    admin, receiver, webhook_pipeline, monkeypatch
):
    webhook = subscribe(admin, receiver, "/crash", ["disbursement.completed"])
    write_notice("ntc_11_3_1", "disbursement.completed", 11)
    event = stream_event("ntc_11_3_1", "disbursement.completed", 11)
    functions = Functions(STACK, inline=True)
    real_send = queue.send

    def crash(_deliveries):
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(queue, "send", crash)
    with pytest.raises(Exception, match="All records failed processing"):  # Lambda retries the batch
        functions.invoke("FanOutWebhooksFunction", event)
    [pending] = deliveries(admin, webhook["id"])["items"]
    assert (pending["status"], pending["attempts"]) == ("PENDING", [])
    monkeypatch.setattr(queue, "send", real_send)
    assert functions.invoke("FanOutWebhooksFunction", event) == {"batchItemFailures": []}  # the retry
    webhook_pipeline()  # and the stream's own record of the notice: its delivery exists, already queued
    assert [r.status for r in receiver.received] == [200]
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["status"], codes(delivery)) == ("SUCCEEDED", [200])


def test_two_copies_of_a_delivery_message_post_once(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/copies", ["loan.closed"])
    write_notice("ntc_13_1_1", "loan.closed", 13)
    delivery_id = f"msg_ntc_13_1_1_{webhook['id']}"
    Functions(STACK, inline=True).invoke("FanOutWebhooksFunction", stream_event("ntc_13_1_1", "loan.closed", 13))
    queue.send([(webhook["id"], "ntc_13_1_1", delivery_id)])  # a second copy (SQS delivers at least once)
    webhook_pipeline()
    assert len(receiver.received) == 1
    [delivery] = deliveries(admin, webhook["id"])["items"]
    assert (delivery["id"], delivery["status"], codes(delivery)) == (delivery_id, "SUCCEEDED", [200])


def test_a_malformed_notice_is_skipped_and_does_not_hold_up_the_next(admin, receiver, webhook_pipeline):
    webhook = subscribe(admin, receiver, "/after-bad", ["loan.closed"])
    bad = {"PK": "NOTICE#ntc_bad", "SK": "NOTICE", "entity": "notice", "id": "ntc_bad", "type": "loan.closed"}
    core_table().put(bad)  # no loanId, no body
    record = {
        "eventID": "bad",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": serialize({"PK": bad["PK"], "SK": "NOTICE"}),
            "NewImage": serialize(bad),
            "SequenceNumber": "900000000000000000000009",
        },
    }
    assert Functions(STACK, inline=True).invoke("FanOutWebhooksFunction", {"Records": [record]}) == {
        "batchItemFailures": []
    }
    body = write_notice("ntc_14_1_1", "loan.closed", 14)
    webhook_pipeline()  # the stream holds the bad notice, then the good one
    assert [r.body for r in receiver.received] == [body.encode()]
    assert [d["id"] for d in deliveries(admin, webhook["id"])["items"]] == [f"msg_ntc_14_1_1_{webhook['id']}"]


# ------------------------------------------------------------------------------ requests made
def test_each_route_and_worker_makes_the_requests_the_data_model_lists(admin, receiver, webhook_pipeline):
    """docs/data-model.md, "Access patterns" and "Round trips per request", counted on the client."""
    from tests.support.round_trips import RoundTrips

    counter = RoundTrips()
    try:
        created, calls = counter.during(
            lambda: admin.post("/v1/webhooks", {"url": receiver.url + "/counted", "events": ["loan.closed"]})
        )
        assert created.status == 201 and calls == ["PutItem"]
        receiver.expect("/counted", created.json["secret"])
        webhook_id = created.json["id"]
        assert counter.during(lambda: admin.get("/v1/webhooks"))[1] == ["Query", "BatchGetItem"]
        assert counter.during(lambda: admin.get(f"/v1/webhooks/{webhook_id}"))[1] == ["GetItem"]
        webhook_pipeline()  # the seed's own stream records (the ledger's), before counting
        write_notice("ntc_21_1_1", "loan.closed", 21)
        # The fan-out (active subscriptions: index Query + batch read; the delivery), then the attempt
        # (delivery and subscription in one batch read, the lease, the outcome).
        _, calls = counter.during(webhook_pipeline)
        assert calls == ["Query", "BatchGetItem", "PutItem", "BatchGetItem", "UpdateItem", "UpdateItem"]
        assert [r.status for r in receiver.received] == [200]
        listed, calls = counter.during(lambda: admin.get(f"/v1/webhooks/{webhook_id}/deliveries"))
        assert listed.json["total"] == 1 and calls == ["GetItem", "Query", "BatchGetItem"]
        assert counter.during(lambda: admin.delete(f"/v1/webhooks/{webhook_id}"))[1] == ["UpdateItem"]
        assert counter.during(lambda: admin.delete(f"/v1/webhooks/{webhook_id}"))[1] == ["UpdateItem"]
        assert counter.during(lambda: admin.get("/v1/webhooks/nope"))[1] == []
    finally:
        counter.remove()


# ------------------------------------------------------------------------------ from loan commits
def test_a_loans_own_commits_reach_the_subscriber_signed(admin, operator, receiver, webhook_pipeline):
    """No notice written by hand: a disbursement whose payout fails, its retry, an overpayment and
    the refund that closes the loan each commit a notice, and the receiver verifies each delivery
    with the standardwebhooks library."""
    events = ["disbursement.completed", "disbursement.failed", "loan.closed", "loan.overpaid"]
    webhook = subscribe(admin, receiver, "/lms", events)
    webhook_pipeline()  # the demo seed's capital projected into the ledger, so the float can pay out
    loan = approved_loan(operator)
    lid = loan["id"]
    disbursed = operator.post(
        f"/v1/loans/{lid}/disburse",
        {
            "actualDisbursementDate": "2026-05-23",
            "transactionAmount": 10000,
            "paymentMethod": "TIPS_MNO",
            # the sandbox provider fails a detail ending 0001 on the first attempt
            "paymentDetails": {"phoneNumber": "255712340001", "mnoProvider": "MPESA"},
        },
        headers=key(),
    )
    assert disbursed.status == 200, disbursed
    reference = disbursed.json["transactionId"]
    webhook_pipeline()
    operator.post(f"/v1/disbursements/{reference}/retry", headers=key())
    webhook_pipeline()
    paid = {"transactionDate": "2026-05-23", "transactionAmount": 11200, "paymentTypeId": 1, "receiptNumber": "R-1"}
    assert operator.post(f"/v1/loans/{lid}/repayments", paid, headers=key()).json["loan"]["status"] == "Overpaid"
    webhook_pipeline()
    refund = {"transactionDate": "2026-05-23", "paymentTypeId": 1, "receiptNumber": "REF-1"}
    assert operator.post(f"/v1/loans/{lid}/refund", refund, headers=key()).json["loan"]["status"].startswith("Closed")
    webhook_pipeline()

    assert all(r.refused is None for r in receiver.received), [r.refused for r in receiver.received]
    bodies = [r.verified for r in receiver.received]
    for body in bodies:
        assert TIMESTAMP.fullmatch(body.pop("timestamp"))
    assert bodies == [
        {
            "event": "disbursement.failed",
            "transactionId": reference,
            "loanId": lid,
            "status": "FAILED",
            "reason": "RECIPIENT_UNREACHABLE: the recipient's provider did not accept the transfer",
        },
        {"event": "disbursement.completed", "transactionId": reference, "loanId": lid, "status": "COMPLETED"},
        {"event": "loan.overpaid", "loanId": lid, "status": "OVERPAID"},
        {"event": "loan.closed", "loanId": lid, "status": "CLOSED"},
    ]
    listed = deliveries(admin, webhook["id"])["items"]
    assert [(d["event"], d["status"], codes(d)) for d in listed] == [
        ("loan.closed", "SUCCEEDED", [200]),
        ("loan.overpaid", "SUCCEEDED", [200]),
        ("disbursement.completed", "SUCCEEDED", [200]),
        ("disbursement.failed", "SUCCEEDED", [200]),
    ]
