"""Roles and the one rule that maps a route to the role it needs (the authorizer applies it)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}

# Prefixes whose every method is admin-only (key management exposes who can do what; webhook
# subscriptions say where loan events go, and their deliveries carry them; the local stack's own
# controls, outside the API, pause and stop its functions).
_ADMIN_ONLY = ("/v1/api-keys", "/v1/webhooks", "/_local")
# Prefixes whose writes are admin-only: configuration and the books themselves.
_ADMIN_WRITES = (
    "/v1/ledger",
    "/v1/integration",
    "/v1/loan-products",
    "/v1/offices",
    "/v1/payment-types",
    "/v1/revenue-runs",
    "/v1/cob-runs",
    "/v1/provisioning-policy",
    "/v1/provisioning-runs",
)
_READ_METHODS = {"GET", "HEAD"}


def _under(resource: str, prefixes: tuple[str, ...]) -> bool:
    return any(resource == p or resource.startswith(p + "/") for p in prefixes)


def required_role(method: str, resource: str) -> Role:
    """The lowest role allowed to call `method resource` (resource is the route template)."""
    if _under(resource, _ADMIN_ONLY):
        return Role.ADMIN
    if method.upper() in _READ_METHODS:
        return Role.VIEWER
    if _under(resource, _ADMIN_WRITES):
        return Role.ADMIN
    return Role.OPERATOR


def allows(role: str, needed: Role) -> bool:
    try:
        return _RANK[Role(role)] >= _RANK[needed]
    except ValueError:
        return False
