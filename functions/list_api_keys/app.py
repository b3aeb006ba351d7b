"""GET /v1/api-keys: every key without its secret (admin)."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.auth.api_keys import ApiKeyStore
from lms.auth.schemas import ApiKeyOut
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/api-keys",
    operation_id="listApiKeys",
    summary="List API keys",
    tags=["API keys"],
    responses=openapi_page(ApiKeyOut),
)
def list_api_keys(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(ApiKeyStore().list(paging(page, page_token), rows), ApiKeyOut.of)


lambda_handler = observed(app.resolve)
