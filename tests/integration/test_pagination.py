"""Pagination exactly as the seed: page from 1, rows 1..99, past-the-end pages empty."""

import pytest

from tests.support.data import new_customer


@pytest.fixture
def five_customers(operator):
    return [new_customer(operator)["id"] for _ in range(5)]


def test_pages_walk_the_list_in_id_order(viewer, five_customers):
    first = viewer.get("/v1/customers", query={"page": 1, "rows": 2}).json
    assert first["total"] == 5
    assert first["page"] == 1
    assert first["rowsPerPage"] == 2
    assert [c["id"] for c in first["items"]] == five_customers[:2]
    third = viewer.get("/v1/customers", query={"page": 3, "rows": 2}).json
    assert [c["id"] for c in third["items"]] == five_customers[4:]


def test_smallest_page(viewer, five_customers):
    reply = viewer.get("/v1/customers", query={"page": 1, "rows": 1})
    assert reply.status == 200
    assert len(reply.json["items"]) == 1


def test_past_the_end_is_empty_not_404(viewer, five_customers):
    reply = viewer.get("/v1/customers", query={"page": 999, "rows": 10})
    assert reply.status == 200
    assert reply.json == {"items": [], "total": 5, "page": 999, "rowsPerPage": 10}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page": 0}, "page", "page value too small, must be larger than 0"),
        ({"rows": 0}, "rows", "rows value too small, must be larger than 0"),
        ({"rows": 1000}, "rows", "rows value too large, must be less than 100"),
        ({"rows": 100}, "rows", "rows value too large, must be less than 100"),
        ({"page": -5}, "page", "page value too small, must be larger than 0"),
    ],
)
def test_bounds(viewer, query, field, message):
    for route in ("/v1/customers", "/v1/loans", "/v1/loan-products", "/v1/offices"):
        reply = viewer.get(route, query=query)
        assert reply.status == 400, route
        assert reply.json["details"] == [{"field": field, "message": message}]


def test_rows_99_is_the_largest(viewer, five_customers):
    assert viewer.get("/v1/customers", query={"rows": 99}).status == 200


def test_non_numeric_page_is_400(viewer):
    reply = viewer.get("/v1/customers", query={"page": "two"})
    assert reply.status == 400
    assert reply.json["details"][0]["field"] == "page"
