"""POST /v1/api-keys: issue a key with a role; the key itself is in this response only (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.auth.api_keys import ApiKeyStore
from lms.auth.schemas import ApiKeyOut, CreateApiKeyRequest, CreatedApiKeyOut
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/api-keys",
    operation_id="createApiKey",
    summary="Issue an API key",
    tags=["API keys"],
    responses=openapi_responses(CreatedApiKeyOut, 201, "Key created"),
)
def create_api_key(request: Annotated[CreateApiKeyRequest, Body()]):
    limits = request.rate_limits.chosen() if request.rate_limits else None
    record, plaintext = ApiKeyStore().create(request.name, request.role, limits)
    body = CreatedApiKeyOut(**ApiKeyOut.of(record).model_dump(), key=plaintext)
    return json_response(body, status=201, headers={"Cache-Control": "no-store"})


lambda_handler = observed(app.resolve)
