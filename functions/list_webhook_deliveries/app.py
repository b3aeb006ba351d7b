"""GET /v1/webhooks/{id}/deliveries: a subscription's deliveries with their attempts, newest first (admin)."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.observability import observed
from lms.webhooks.schemas import DeliveryOut, WebhookIdPath
from lms.webhooks.service import WebhookService

app = build_resolver()


@app.get(
    "/v1/webhooks/<id>/deliveries",
    operation_id="listWebhookDeliveries",
    summary="List a webhook's deliveries and their attempts",
    tags=["Webhooks"],
    responses=openapi_page(DeliveryOut),
)
def list_webhook_deliveries(
    id: WebhookIdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None
):
    return page_response(WebhookService().deliveries(id, paging(page, page_token), rows), DeliveryOut.of)


lambda_handler = observed(app.resolve)
