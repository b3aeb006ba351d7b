"""POST /v1/integration/events/{id}/retry: send a failed or dead-lettered event again, followed by
its loan's later unpushed events, in order (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.integration.schemas import EventOut
from lms.integration.service import IntegrationService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/integration/events/<id>/retry",
    operation_id="retryIntegrationEvent",
    summary="Send a failed accounting event again",
    tags=["Integration"],
    responses=openapi_responses(EventOut),
)
def retry_integration_event(id: Annotated[str, Path(pattern=r"^[0-9]{1,12}-[0-9]{1,8}$")]):
    resent = IntegrationService().retry(id)
    return json_response({"resent": [EventOut.of(r) for r in resent]})


lambda_handler = observed(app.resolve)
