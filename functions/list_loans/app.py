"""GET /v1/loans: loans in id order, filtered by customer and/or status."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import DEFAULT_ROWS, PageParam, RowsParam
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()

StatusFilter = Literal[
    "Submitted", "Approved", "Active", "Closed (obligations met)", "Overpaid", "Rejected", "Withdrawn"
]


@app.get("/v1/loans", operation_id="listLoans", summary="List loans", tags=["Loans"], responses=openapi_page(LoanOut))
def list_loans(
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
    customer_id: Annotated[int | None, Query(alias="customerId", ge=1)] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
):
    return page_response(LoanQueries().list(page, rows, customer_id, status), render_loan)


lambda_handler = observed(app.resolve)
