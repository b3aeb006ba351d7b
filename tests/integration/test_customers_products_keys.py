"""Customers, loan products, offices and API keys through the API."""

from decimal import Decimal

from tests.support.client import ApiClient
from tests.support.data import customer_body, new_customer


def test_create_customer_as_the_worked_example(operator):
    reply = operator.post(
        "/v1/customers",
        {
            "officeId": 1,
            "legalFormId": 1,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "mobileNo": "255700000000",
            "externalId": "ext-001",
            "active": True,
            "activationDate": "2026-05-23",
        },
    )
    assert reply.status == 201
    customer = reply.json
    assert customer["displayName"] == "Ada Lovelace"
    assert customer["status"] == "Active"
    assert customer["officeId"] == "1"
    assert operator.get(f"/v1/customers/{customer['id']}").json == customer


def test_external_id_is_unique(operator):
    new_customer(operator, externalId="dup-1")
    again = operator.post("/v1/customers", customer_body(externalId="dup-1"))
    assert again.status == 409
    assert again.json["code"] == "already_exists"
    assert operator.get("/v1/customers").json["total"] == 1


def test_entity_customer_uses_fullname(operator):
    entity = new_customer(operator, legalFormId=2, firstname=None, lastname=None, fullname="Acme Traders Ltd")
    assert entity["displayName"] == "Acme Traders Ltd"
    assert entity["legalFormId"] == 2
    wrong = operator.post("/v1/customers", customer_body(legalFormId=2))
    assert wrong.status == 400
    assert {d["field"] for d in wrong.json["details"]} == {"fullname", "firstname", "lastname"}


def test_customer_in_unknown_office_is_404(operator):
    reply = operator.post("/v1/customers", customer_body(officeId=77))
    assert (reply.status, reply.json["reason"]) == (404, "OFFICE_NOT_FOUND")


def test_customers_filtered_by_office(viewer, operator):
    new_customer(operator)
    assert viewer.get("/v1/customers", query={"officeId": 1}).json["total"] == 1
    assert viewer.get("/v1/customers", query={"officeId": 2}).json["total"] == 0


def test_head_office_is_seeded(viewer):
    office = viewer.get("/v1/offices/1").json
    assert office["name"] == "Head Office"
    assert viewer.get("/v1/offices").json["total"] == 1


def test_demo_product_is_the_seeds_seven_day_product(viewer):
    product = viewer.get("/v1/loan-products/1").json
    assert product["numberOfRepayments"] == 1
    assert product["repaymentEvery"] == 7
    assert product["repaymentFrequencyType"] == 0
    assert product["interestRatePerPeriod"] == Decimal(11)
    assert product["interestType"] == 1
    assert product["transactionProcessingStrategyCode"] == "mifos-standard-strategy"
    assert product["currency"] == "TZS"


def test_create_product_fills_bounds_and_scales_money(admin):
    reply = admin.post(
        "/v1/loan-products",
        {
            "name": "Monthly",
            "currency": "KES",
            "principal": 5000,
            "numberOfRepayments": 12,
            "repaymentEvery": 1,
            "repaymentFrequencyType": 2,
            "interestRatePerPeriod": 12,
            "interestRateFrequencyType": 3,
            "interestType": 1,
            "amortizationType": 1,
            "adminFee": {"type": "fixed", "value": 150},
        },
    )
    assert reply.status == 201, reply
    product = reply.json
    assert product["id"] == "2"
    assert str(product["minPrincipal"]) == "5000.00" == str(product["maxPrincipal"])
    assert product["adminFee"] == {"type": "fixed", "value": Decimal(150), "name": None}
    assert admin.get("/v1/loan-products").json["total"] == 2


def test_product_validation(admin):
    reply = admin.post(
        "/v1/loan-products",
        {
            "name": "Bad",
            "currency": "TZS",
            "principal": "100.123",
            "numberOfRepayments": 0,
            "repaymentEvery": 1,
            "repaymentFrequencyType": 5,
            "interestRatePerPeriod": -1,
            "interestRateFrequencyType": 3,
            "interestType": 1,
            "amortizationType": 1,
        },
    )
    assert reply.status == 400
    assert {d["field"] for d in reply.json["details"]} == {
        "numberOfRepayments",
        "repaymentFrequencyType",
        "interestRatePerPeriod",
    }


def test_api_keys_lifecycle(admin, local_api):
    created = admin.post("/v1/api-keys", {"name": "ops", "role": "operator"})
    assert created.status == 201
    body = created.json
    assert body["key"].startswith("lms_")
    assert body["role"] == "operator"
    assert created.headers["Cache-Control"] == "no-store"
    listed = admin.get("/v1/api-keys").json
    assert all("key" not in item for item in listed["items"])
    assert body["id"] in [item["id"] for item in listed["items"]]
    ops = ApiClient(local_api, body["key"])
    assert ops.post("/v1/customers", customer_body()).status == 201
    assert ops.post("/v1/api-keys", {"name": "x", "role": "admin"}).status == 403
    bad_role = admin.post("/v1/api-keys", {"name": "x", "role": "root"})
    assert bad_role.status == 400
    assert admin.delete("/v1/api-keys/ak_01kq7fzd2m3j9q4r5s6t7v8w9x").status == 404
    assert admin.delete("/v1/api-keys/nope").status == 400


def test_keys_are_stored_hashed(admin):
    import boto3

    created = admin.post("/v1/api-keys", {"name": "ops", "role": "operator"}).json
    items = boto3.client("dynamodb").scan(TableName="CoreTable")["Items"]  # test-only inspection
    assert created["key"] not in str(items)
