"""Any bytes as a request body, on every write route of template.yaml: a 400 with the error
envelope naming the field (or `body`) and nothing changed; never a 500 (issue 26, case 2)."""

import json

import pytest

from lms.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_LENGTH
from tests.conftest import STACK
from tests.integration.test_bad_input import IDEMPOTENT, path_of, snapshot

WRITES = [r for r in STACK.routes if r.method in ("POST", "PUT", "PATCH", "DELETE")]

BAD_BODIES = {
    "5000 nested [": b"[" * 5000,
    "nested objects": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "4301-digit integer": b'{"transactionAmount": ' + b"1" * 4301 + b"}",
    "huge exponent": b'{"transactionAmount": 1e999999999}',
    "not UTF-8": b"\xff\xfe{}",
    "UTF-16": '{"a": 1}'.encode("utf-16"),
    "hello": b"hello",
    "NaN": b"NaN",
    "byte-order mark": b"\xef\xbb\xbf{}",
    "duplicate key": b'{"transactionAmount": 10, "transactionAmount": 20}',
    "lone surrogate": b'{"note": "\\ud800"}',
    "too large": b'{"note": "' + b"x" * MAX_BODY_BYTES + b'"}',
}


def ids(route) -> str:
    return f"{route.method} {route.path}"


def assert_envelope(reply, name):
    assert reply.status == 400, (name, reply)
    envelope = reply.json
    assert set(envelope) == {"code", "message", "details"}, (name, envelope)
    assert envelope["code"] == "invalid_argument", (name, envelope)
    assert envelope["message"].startswith("Validation errors exist. [")
    assert envelope["details"] and all(d["field"] and d["message"] for d in envelope["details"]), envelope
    return envelope


@pytest.mark.parametrize("route", WRITES, ids=ids)
def test_every_write_route_refuses_every_bad_body(admin, route):
    before = snapshot()
    for name, raw in BAD_BODIES.items():
        reply = admin.request(route.method, path_of(route), raw=raw, headers=IDEMPOTENT)
        assert_envelope(reply, name)
    assert snapshot() == before


def test_each_limit_is_named(admin):
    path = "/v1/loans/1/disburse"

    def refused(raw):
        return assert_envelope(admin.post(path, raw=raw, headers=IDEMPOTENT), raw[:20])["details"]

    assert refused(b"[" * 5000) == [{"field": "body", "message": f"JSON is nested deeper than {MAX_JSON_DEPTH} levels"}]
    assert refused(b'{"transactionAmount": ' + b"1" * 4301 + b"}") == [
        {"field": "body", "message": f"the number 111111111111... has more than {MAX_NUMBER_LENGTH} characters"}
    ]
    assert refused(b"\xff\xfe{}") == [{"field": "body", "message": "must be UTF-8 encoded JSON (byte 0 is not UTF-8)"}]
    assert refused(b"\xef\xbb\xbf{}") == [
        {"field": "body", "message": "must not start with a byte-order mark (U+FEFF)"}
    ]
    assert refused(b'{"transactionAmount": 10, "transactionAmount": 20}') == [
        {"field": "transactionAmount", "message": "is given more than once in the request body"}
    ]
    # Strings do not count as nesting.
    assert refused(json.dumps({"note": "[" * 5000}).encode()) != [
        {"field": "body", "message": f"JSON is nested deeper than {MAX_JSON_DEPTH} levels"}
    ]


@pytest.mark.parametrize("path", ["/v1/disbursements/DISB-1-1/retry", "/v1/ledger/entries/je_1/post"])
@pytest.mark.parametrize("raw", [b"hello", b"NaN", b"\xef\xbb\xbf", b"[]", b'{"a": 1}', b"null"])
def test_routes_without_a_body_refuse_one(admin, path, raw):
    reply = admin.post(path, raw=raw, headers=IDEMPOTENT)
    assert assert_envelope(reply, raw)["details"] == [
        {"field": "body", "message": "This route takes no request body: send none (or an empty JSON object)"}
    ]


def test_routes_without_a_body_take_none_or_an_empty_object(admin):
    for raw in (b"", b"{}", b" { } "):
        reply = admin.post("/v1/disbursements/DISB-1-1/retry", raw=raw, headers=IDEMPOTENT)
        assert (reply.status, reply.json["reason"]) == (404, "DISBURSEMENT_NOT_FOUND"), reply


def test_a_get_with_a_body_is_refused(admin):
    reply = admin.get("/v1/loans", raw=b"[" * 5000)
    assert_envelope(reply, "get")


def test_the_local_gateway_answers_non_utf8_bytes_with_400(local_api):
    """Over HTTP: the local gateway hands bytes that are not UTF-8 over base64-encoded, as API
    Gateway does a binary body, and the function refuses them."""
    from devstack.gateway import Gateway
    from tests.support.client import HttpClient
    from tests.support.fixtures import ADMIN_KEY

    gateway = Gateway(local_api, 0)
    gateway.start()
    try:
        client = HttpClient(gateway.url, ADMIN_KEY)
        for path in ("/v1/customers", "/v1/disbursements/DISB-1-1/retry"):
            reply = client.post(path, raw=b"\xff\xfe{}", headers=IDEMPOTENT)
            assert assert_envelope(reply, path)["details"] == [
                {"field": "body", "message": "must be UTF-8 encoded JSON (byte 0 is not UTF-8)"}
            ]
    finally:
        gateway.stop()


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_the_local_gateway_answers_a_bad_content_length_with_400(local_api, length):
    import socket

    from devstack.gateway import Gateway

    gateway = Gateway(local_api, 0)
    gateway.start()
    try:
        with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as conn:
            conn.sendall(f"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode())
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 400 "), answer
    finally:
        gateway.stop()
