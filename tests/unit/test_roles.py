import pytest

from lms.auth.roles import Role, allows, required_role


@pytest.mark.parametrize(
    ("method", "resource", "role"),
    [
        ("GET", "/v1/loans", Role.VIEWER),
        ("GET", "/v1/ledger/trial-balance", Role.VIEWER),
        ("POST", "/v1/loans", Role.OPERATOR),
        ("POST", "/v1/loans/{id}/approve", Role.OPERATOR),
        ("POST", "/v1/customers", Role.OPERATOR),
        ("POST", "/v1/loan-products", Role.ADMIN),
        ("POST", "/v1/ledger/entries", Role.ADMIN),
        ("GET", "/v1/api-keys", Role.ADMIN),
        ("DELETE", "/v1/api-keys/{id}", Role.ADMIN),
    ],
)
def test_required_role(method, resource, role):
    assert required_role(method, resource) is role


def test_roles_are_ordered():
    assert allows("admin", Role.OPERATOR)
    assert allows("operator", Role.VIEWER)
    assert not allows("viewer", Role.OPERATOR)
    assert not allows("operator", Role.ADMIN)
    assert not allows("superuser", Role.VIEWER)
