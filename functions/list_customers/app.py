"""GET /v1/customers: customers in id order, optionally of one office."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.customers.schemas import CustomerOut
from lms.customers.service import CustomerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/customers",
    operation_id="listCustomers",
    summary="List customers",
    tags=["Customers"],
    responses=openapi_page(CustomerOut),
)
def list_customers(
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
    page_token: PageTokenParam = None,
    office_id: Annotated[int | None, Query(alias="officeId", ge=1)] = None,
):
    return page_response(CustomerService().list(paging(page, page_token), rows, office_id), CustomerOut.of)


lambda_handler = observed(app.resolve)
