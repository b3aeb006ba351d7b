"""POST /v1/webhooks: subscribe a URL to loan events; the signing secret is in this response only (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.webhooks.schemas import CreatedWebhookOut, CreateWebhookRequest, WebhookOut
from lms.webhooks.service import WebhookService

app = build_resolver()


@app.post(
    "/v1/webhooks",
    operation_id="createWebhook",
    summary="Subscribe a URL to loan events",
    tags=["Webhooks"],
    responses=openapi_responses(CreatedWebhookOut, 201, "Subscribed"),
)
def create_webhook(request: Annotated[CreateWebhookRequest, Body()]):
    subscription = WebhookService().create(request.url, request.events, request.description)
    body = CreatedWebhookOut(**WebhookOut.of(subscription).model_dump(), secret=subscription.secret)
    return json_response(body, status=201, headers={"Cache-Control": "no-store"})


lambda_handler = observed(app.resolve)
