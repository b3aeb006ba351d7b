"""401 and 403 for every route of template.yaml (the list comes from the template, not from here)."""

import re

import pytest

from lms.auth.roles import Role, required_role
from tests.conftest import STACK
from tests.support.client import ApiClient

PROTECTED = [r for r in STACK.routes if not r.public]
ROLES_BELOW = {Role.VIEWER: [], Role.OPERATOR: ["viewer"], Role.ADMIN: ["viewer", "operator"]}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def route_id(route) -> str:
    return f"{route.method} {route.path}"


def test_every_route_needs_a_key_except_the_docs():
    assert {r.path for r in STACK.routes if r.public} == {"/v1/openapi.json", "/v1/docs"}
    assert len(PROTECTED) == len(STACK.routes) - 2


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_missing_and_unknown_keys_are_401(local_api, route):
    for client in (
        ApiClient(local_api, None),
        ApiClient(local_api, "lms_not-a-key"),
        ApiClient(local_api, "x", "x-api-key"),
    ):
        reply = client.request(route.method, concrete(route.path), raw=b'{"not": "read"}')
        assert reply.status == 401, (route, reply)
        assert reply.json["code"] == "unauthenticated"
    malformed = ApiClient(local_api, None).request(
        route.method, concrete(route.path), headers={"Authorization": "Basic abc"}
    )
    assert malformed.status == 401


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_roles_below_the_route_are_403(local_api, keys, route):
    needed = required_role(route.method, route.path)
    for role in ROLES_BELOW[needed]:
        reply = ApiClient(local_api, keys[role]).request(route.method, concrete(route.path), raw=b"{}")
        assert reply.status == 403, (role, route, reply)
        assert reply.json["code"] == "permission_denied"


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_the_required_role_gets_past_the_authorizer(local_api, keys, route):
    needed = required_role(route.method, route.path)
    for header in ("bearer", "x-api-key"):
        reply = ApiClient(local_api, keys[needed.value], header).request(route.method, concrete(route.path), raw=b"{}")
        assert reply.status not in (401, 403), (route, reply)


def test_revoked_key_is_refused(local_api, admin, monkeypatch):
    from lms.config import reset_settings

    monkeypatch.setenv("AUTH_CACHE_TTL_SECONDS", "0")
    reset_settings()
    created = admin.post("/v1/api-keys", {"name": "temp", "role": "viewer"}).json
    temp = ApiClient(local_api, created["key"])
    assert temp.get("/v1/loans").status == 200
    assert admin.delete(f"/v1/api-keys/{created['id']}").json["active"] is False
    assert temp.get("/v1/loans").status == 401
