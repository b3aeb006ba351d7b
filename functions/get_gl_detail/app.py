"""GET /v1/ledger/gl-detail?accountId=&startDate=&endDate=: one account's lines with running balance."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import DEFAULT_ROWS, PageParam, RowsParam
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.api.types import IsoDate
from lms.errors import InvalidArgument
from lms.ledger.reports import LedgerReports
from lms.ledger.schemas import GlDetailOut, GlLineOut
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/gl-detail",
    operation_id="getGlDetail",
    summary="List one account's journal lines with running balance",
    tags=["Ledger"],
    responses=openapi_responses(GlDetailOut),
)
def get_gl_detail(
    account_id: Annotated[str, Query(alias="accountId", min_length=1, max_length=40)],
    start_date: Annotated[IsoDate | None, Query(alias="startDate")] = None,
    end_date: Annotated[IsoDate | None, Query(alias="endDate")] = None,
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
):
    if start_date and end_date and end_date < start_date:
        raise InvalidArgument.field("endDate", "must not be before startDate")
    account, opening, lines = LedgerReports().gl_detail(account_id, start_date, end_date, page, rows)
    return json_response(
        GlDetailOut(
            account_id=account.id,
            code=account.code,
            name=account.name,
            currency=account.currency,
            start_date=start_date,
            end_date=end_date,
            opening_balance=opening,
            items=[GlLineOut.of(line) for line in lines.items],
            total=lines.total,
            page=lines.page,
            rows_per_page=lines.rows,
        )
    )


lambda_handler = observed(app.resolve)
