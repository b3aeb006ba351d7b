"""Bad input of each kind on each POST route: 400 with the field and the reason, nothing changed.

Valid bodies come from events/ (the sample events of each function), so every POST route of
the template is covered and a new one is picked up automatically.
"""

import json
import re
from pathlib import Path

import boto3
import pytest

from tests.conftest import STACK

EVENTS = Path(__file__).resolve().parents[2] / "events"


def sample_body(route) -> dict | None:
    folder = STACK.functions[route.function].code_dir.name
    body = json.loads((EVENTS / f"{folder}.json").read_text())["body"]
    return json.loads(body) if body else None


# Every route that takes a JSON body (its sample event carries one).
POSTS = [r for r in STACK.routes if r.method in ("POST", "PUT") and sample_body(r) is not None]


def path_of(route) -> str:
    return re.sub(r"\{[^}]+\}", "1", route.path)


# Money routes need a key; with one, only the body decides the answer.
IDEMPOTENT = {"Idempotency-Key": "bad-input-test"}


def snapshot() -> list:
    client = boto3.client("dynamodb")
    items = client.scan(TableName="CoreTable")["Items"]  # test-only: compare whole table state
    return sorted(json.dumps(i, sort_keys=True) for i in items if not i["PK"]["S"].startswith("COUNTER"))


def ids(route) -> str:
    return f"{route.method} {route.path}"


def first_string_field(body: dict) -> str | None:
    return next((k for k, v in body.items() if isinstance(v, str)), None)


@pytest.mark.parametrize("route", POSTS, ids=ids)
def test_each_kind_of_bad_input(admin, route):
    before = snapshot()
    body = sample_body(route)
    cases = {
        "malformed json": (b'{"a": ', "body"),
        "not an object": (b"[1, 2]", "body"),
        "nan": (b'{"a": NaN}', "body"),
        "unknown field": (json.dumps({**body, "surprise": 1}).encode(), "surprise"),
    }
    field = next(iter(body))
    cases["wrong type"] = (json.dumps({**body, field: {"nested": True}}).encode(), field)
    text_field = first_string_field(body)
    if text_field:
        cases["blank string"] = (json.dumps({**body, text_field: "   "}).encode(), text_field)
    for name, (raw, expected_field) in cases.items():
        reply = admin.request(route.method, path_of(route), raw=raw, headers=IDEMPOTENT)
        assert reply.status == 400, (name, reply)
        envelope = reply.json
        assert envelope["code"] == "invalid_argument", (name, envelope)
        assert expected_field in [d["field"] for d in envelope["details"]], (name, envelope)
        assert all(d["message"] for d in envelope["details"])
        assert envelope["message"].startswith("Validation errors exist. [")
    assert snapshot() == before


@pytest.mark.parametrize("route", POSTS, ids=ids)
def test_missing_required_fields_are_each_named(admin, route):
    reply = admin.request(route.method, path_of(route), {}, headers=IDEMPOTENT)
    if reply.status == 400 and reply.json["code"] == "invalid_argument":
        fields = [d["field"] for d in reply.json["details"]]
        assert fields and all(
            d["message"] == f"The parameter `{d['field']}` is mandatory." for d in reply.json["details"]
        ), reply
    else:
        # Only routes whose every body field is optional (per the OpenAPI document) accept an empty object.
        assert not required_fields(route), reply


def required_fields(route) -> list[str]:
    from lms.api.openapi_document import DOCUMENT_PATH

    document = json.loads(DOCUMENT_PATH.read_text())
    body = document["paths"][route.path][route.method.lower()].get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            return document["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]].get("required", [])
    return []


def test_field_failures_list_every_rejected_field(admin):
    reply = admin.post(
        "/v1/customers",
        {"officeId": "one", "legalFormId": 3, "firstname": "", "active": "yes", "activationDate": "23/05/2026"},
    )
    assert reply.status == 400
    assert {d["field"] for d in reply.json["details"]} == {
        "officeId",
        "legalFormId",
        "firstname",
        "active",
        "activationDate",
    }


def test_content_type_does_not_matter_but_json_does(admin):
    reply = admin.post(
        "/v1/customers", raw=b"officeId=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert reply.status == 400
    assert reply.json["details"][0]["field"] == "body"


@pytest.mark.parametrize(
    "path", ["/v1/loans/abc", "/v1/loans/0", "/v1/loans/-1", "/v1/customers/1.5", "/v1/loan-products/x"]
)
def test_malformed_ids_are_400(admin, path):
    reply = admin.get(path)
    assert reply.status == 400
    assert reply.json["details"][0]["field"] == "id"


def test_unknown_ids_are_404(admin):
    for path, reason in [
        ("/v1/loans/424242", "LOAN_NOT_FOUND"),
        ("/v1/customers/424242", "CUSTOMER_NOT_FOUND"),
        ("/v1/loan-products/424242", "PRODUCT_NOT_FOUND"),
        ("/v1/offices/424242", "OFFICE_NOT_FOUND"),
    ]:
        reply = admin.get(path)
        assert (reply.status, reply.json["code"], reply.json["reason"]) == (404, "not_found", reason)


def test_unknown_route_is_404_envelope(admin):
    reply = admin.get("/v1/nothing-here")
    assert reply.status == 404
    assert reply.json["code"] == "not_found"
