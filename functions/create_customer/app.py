"""POST /v1/customers: register a borrower (a person, or an entity with `fullname`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.customers.schemas import CreateCustomerRequest, CustomerOut
from lms.customers.service import CustomerService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/customers",
    operation_id="createCustomer",
    summary="Register a customer",
    tags=["Customers"],
    responses=openapi_responses(CustomerOut, 201, "Customer created"),
)
def create_customer(request: Annotated[CreateCustomerRequest, Body()]):
    customer = CustomerService().create(request.to_draft())
    return json_response(CustomerOut.of(customer), status=201)


lambda_handler = observed(app.resolve)
