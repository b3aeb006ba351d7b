"""GET /v1/customers/{id}."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.customers.schemas import CustomerOut
from lms.customers.service import CustomerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/customers/<id>",
    operation_id="getCustomer",
    summary="Get a customer",
    tags=["Customers"],
    responses=openapi_responses(CustomerOut),
)
def get_customer(id: IdPath):
    return json_response(CustomerOut.of(CustomerService().get(id)))


lambda_handler = observed(app.resolve)
