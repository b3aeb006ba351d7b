"""The OpenAPI document is generated from the handlers and lists every route of the template."""

import json
import re

from devstack.openapi import build_document
from lms.api.openapi_document import DOCUMENT_PATH
from tests.conftest import STACK


def test_document_is_current():
    assert DOCUMENT_PATH.read_text() == build_document(), "run `make openapi`"


def test_document_lists_every_route_of_the_template():
    document = json.loads(DOCUMENT_PATH.read_text())
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert documented == {(r.method, r.path) for r in STACK.routes}


def test_served_with_swagger_ui(local_api):
    from tests.support.client import ApiClient

    anonymous = ApiClient(local_api, None)
    spec = anonymous.get("/v1/openapi.json")
    assert spec.status == 200
    assert spec.json["openapi"].startswith("3.")
    assert "/v1/loans/{id}/approve" in spec.json["paths"]
    docs = anonymous.get("/v1/docs")
    assert docs.status == 200
    assert b"SwaggerUIBundle" in docs.raw
    # Swagger UI resolves the relative server against the document's address: an absolute one.
    assert b'updateUrl(new URL("openapi.json", currentUrl).href)' in docs.raw
    assert docs.headers["Content-Type"].startswith("text/html")


def test_errors_are_documented_with_the_envelope():
    document = json.loads(DOCUMENT_PATH.read_text())
    approve = document["paths"]["/v1/loans/{id}/approve"]["post"]["responses"]
    assert approve["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    assert "422" not in approve


def _operations(document):
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def _money_routes() -> set[tuple[str, str]]:
    """Routes whose handler runs through lms.api.idempotency (answer_once or run_idempotent), read
    from the handlers' source, not from the document."""
    import ast

    money = set()
    for route in STACK.routes:
        tree = ast.parse(STACK.functions[route.function].module_file.read_text())
        called = {
            node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        if called & {"answer_once", "run_idempotent"}:
            money.add((route.method.lower(), route.path))
    return money


def test_every_money_route_declares_its_idempotency_key_required():
    document = json.loads(DOCUMENT_PATH.read_text())
    money = _money_routes()
    assert len(money) == 14
    declared = set()
    for method, path, op in _operations(document):
        headers = [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        if headers:
            assert headers[0]["required"] is True, (method, path)
            declared.add((method, path))
    assert declared == money


def test_every_request_field_is_described():
    document = json.loads(DOCUMENT_PATH.read_text())
    schemas = document["components"]["schemas"]
    seen, todo = set(), []
    for _, _, op in _operations(document):
        if "requestBody" in op:
            body = json.dumps(op["requestBody"])
            todo += [ref.rsplit("/", 1)[1] for ref in re.findall(r'"\$ref": "([^"]+)"', body)]
    undescribed = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for field, prop in schemas[name].get("properties", {}).items():
            if not prop.get("description", "").strip():
                undescribed.append(f"{name}.{field}")
            todo += [ref.rsplit("/", 1)[1] for ref in re.findall(r'"\$ref": "([^"]+)"', json.dumps(prop))]
    assert len(seen) > 25
    assert undescribed == []


def test_operation_ids_are_unique_readable_and_summaries_say_more_than_the_path():
    document = json.loads(DOCUMENT_PATH.read_text())
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)+", i) for i in ids), ids
    assert document["paths"]["/v1/loans/{id}/repayments"]["post"]["operationId"] == "createRepayment"
    for method, path, op in _operations(document):
        assert path not in op["summary"] and not op["summary"].startswith(method.upper()), op["summary"]


def test_rate_limit_headers_and_retry_after_are_declared():
    document = json.loads(DOCUMENT_PATH.read_text())
    assert set(document["components"]["headers"]) == {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Window",
        "Retry-After",
    }
    repay = document["paths"]["/v1/loans/{id}/repayments"]["post"]["responses"]
    assert set(repay["200"]["headers"]) == {
        "Idempotent-Replayed",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-RateLimit-Window",
    }
    assert repay["429"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
    public = document["paths"]["/v1/openapi.json"]["get"]
    assert public["security"] == [] and "headers" not in public["responses"]["200"]


def test_servers_resolve_to_the_stage_base_on_a_deployed_stack():
    from urllib.parse import urljoin

    document = json.loads(DOCUMENT_PATH.read_text())
    relative = document["servers"][0]["url"]
    served_at = "https://abc123defg.execute-api.af-south-1.amazonaws.com/api/v1/openapi.json"
    assert urljoin(served_at, relative).rstrip("/") + "/v1/loans" == (
        "https://abc123defg.execute-api.af-south-1.amazonaws.com/api/v1/loans"
    )
    assert urljoin("http://127.0.0.1:3000/v1/openapi.json", relative) == "http://127.0.0.1:3000/"
    deployed = document["servers"][1]
    assert deployed["variables"]["stage"]["default"] == "api"


def test_request_bodies_carry_examples_the_api_accepts():
    from lms import jsonutil
    from lms.loans.schemas.payments import RepaymentRequest

    document = json.loads(DOCUMENT_PATH.read_text())
    example = document["components"]["schemas"]["RepaymentRequest"]["examples"][0]
    assert example == {
        "transactionDate": "2026-05-23",
        "transactionAmount": 11100,
        "paymentTypeId": 1,
        "receiptNumber": "RCP-001",
    }
    RepaymentRequest.model_validate(jsonutil.loads(json.dumps(example)))
