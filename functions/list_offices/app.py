"""GET /v1/offices."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.observability import observed
from lms.offices.schemas import OfficeOut
from lms.offices.service import OfficeService

app = build_resolver()


@app.get(
    "/v1/offices",
    operation_id="listOffices",
    summary="List offices",
    tags=["Offices"],
    responses=openapi_page(OfficeOut),
)
def list_offices(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(OfficeService().list(paging(page, page_token), rows), OfficeOut.of)


lambda_handler = observed(app.resolve)
