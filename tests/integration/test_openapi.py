"""The OpenAPI document is generated from the handlers and lists every route of the template."""

import json

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
    assert docs.headers["Content-Type"].startswith("text/html")


def test_errors_are_documented_with_the_envelope():
    document = json.loads(DOCUMENT_PATH.read_text())
    approve = document["paths"]["/v1/loans/{id}/approve"]["post"]["responses"]
    assert approve["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    assert "422" not in approve
