"""GET /v1/webhooks: every webhook subscription, without its secret (admin)."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.observability import observed
from lms.webhooks.schemas import WebhookOut
from lms.webhooks.service import WebhookService

app = build_resolver()


@app.get(
    "/v1/webhooks",
    operation_id="listWebhooks",
    summary="List webhook subscriptions",
    tags=["Webhooks"],
    responses=openapi_page(WebhookOut),
)
def list_webhooks(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(WebhookService().list(paging(page, page_token), rows), WebhookOut.of)


lambda_handler = observed(app.resolve)
