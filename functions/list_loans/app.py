"""GET /v1/loans: loans in id order, filtered by customer and/or status; or, with inArrears=true,
delinquent loans oldest arrears first (by bucket, office and product), paged by cursor."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.csv_export import csv_response, wants_csv
from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses, page_response
from lms.loans.schemas.loan import LoanListOut, delinquent_csv_rows, render_loan
from lms.loans.service.queries import LoanQueries, check_list_filters
from lms.observability import observed

app = build_resolver()

StatusFilter = Literal[
    "Submitted", "Approved", "Active", "Closed (obligations met)", "Overpaid", "Rejected", "Withdrawn"
]


@app.get(
    "/v1/loans",
    operation_id="listLoans",
    summary="List loans",
    tags=["Loans"],
    responses=openapi_responses(LoanListOut),
)
def list_loans(
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
    page_token: PageTokenParam = None,
    customer_id: Annotated[int | None, Query(alias="customerId", ge=1)] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
    in_arrears: Annotated[
        str | None, Query(alias="inArrears", description="true: only loans in arrears, oldest arrears first")
    ] = None,
    bucket: Annotated[str | None, Query(description="With inArrears=true: one delinquency bucket, e.g. 31-60")] = None,
    office_id: Annotated[int | None, Query(alias="officeId", ge=1, description="With inArrears=true")] = None,
    product_id: Annotated[int | None, Query(alias="productId", ge=1, description="With inArrears=true")] = None,
    cursor: Annotated[str | None, Query(description="With inArrears=true: the nextCursor of the page before")] = None,
):
    queries = LoanQueries()
    arrears = check_list_filters(
        in_arrears=in_arrears,
        bucket=bucket,
        office_id=office_id,
        product_id=product_id,
        cursor=cursor,
        page=page,
        customer_id=customer_id,
        status=status,
    )
    if not arrears:
        return page_response(queries.list(paging(page, page_token), rows, customer_id, status), render_loan)
    # The delinquent list always pages by token: `pageToken` (as every list) or its older name `cursor`.
    token = cursor if cursor is not None else (page_token or None)
    loans, next_cursor = queries.in_arrears(bucket.strip() if bucket else None, office_id, product_id, rows, token)
    if wants_csv(app.current_event.headers):
        headers = {"Next-Page-Token": next_cursor} if next_cursor else None
        return csv_response(delinquent_csv_rows([render_loan(loan) for loan in loans]), "delinquent-loans.csv", headers)
    page_out = LoanListOut(
        items=[render_loan(loan) for loan in loans],
        rows_per_page=rows,
        next_cursor=next_cursor,
        next_page_token=next_cursor,
    )
    body = page_out.model_dump(by_alias=True, mode="python")
    # A token-paged list has no total or page, and no next token after its last page.
    absent = {"total", "page", "nextCursor", "nextPageToken"}
    return json_response({k: v for k, v in body.items() if not (v is None and k in absent)})


lambda_handler = observed(app.resolve)
