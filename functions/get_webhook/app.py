"""GET /v1/webhooks/{id}: one webhook subscription, without its secret (admin)."""

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.webhooks.schemas import WebhookIdPath, WebhookOut
from lms.webhooks.service import WebhookService

app = build_resolver()


@app.get(
    "/v1/webhooks/<id>",
    operation_id="getWebhook",
    summary="Get a webhook subscription",
    tags=["Webhooks"],
    responses=openapi_responses(WebhookOut),
)
def get_webhook(id: WebhookIdPath):
    return json_response(WebhookOut.of(WebhookService().get(id)))


lambda_handler = observed(app.resolve)
