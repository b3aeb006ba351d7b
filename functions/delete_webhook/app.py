"""DELETE /v1/webhooks/{id}: stop a subscription's deliveries; it is kept, marked deleted, with its
delivery history (admin)."""

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.webhooks.schemas import WebhookIdPath, WebhookOut
from lms.webhooks.service import WebhookService

app = build_resolver()


@app.delete(
    "/v1/webhooks/<id>",
    operation_id="deleteWebhook",
    summary="Stop a webhook subscription",
    tags=["Webhooks"],
    responses=openapi_responses(WebhookOut),
)
def delete_webhook(id: WebhookIdPath):
    return json_response(WebhookOut.of(WebhookService().delete(id)))


lambda_handler = observed(app.resolve)
