"""GET /v1/integration/events?loanId=&status=: each outbound event and where it is on its way."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.integration.schemas import EventOut
from lms.integration.service import IntegrationService, PushStatus
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/integration/events",
    operation_id="listIntegrationEvents",
    summary="List events pushed to the accounting system",
    tags=["Integration"],
    responses=openapi_page(EventOut),
)
def list_integration_events(
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
    page_token: PageTokenParam = None,
    loan_id: Annotated[int | None, Query(alias="loanId", ge=1)] = None,
    status: Annotated[PushStatus | None, Query()] = None,
):
    return page_response(IntegrationService().list_events(paging(page, page_token), rows, loan_id, status), EventOut.of)


lambda_handler = observed(app.resolve)
