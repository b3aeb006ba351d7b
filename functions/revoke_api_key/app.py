"""DELETE /v1/api-keys/{id}: revoke a key; it is kept, marked revoked, for the audit trail (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.auth.api_keys import ApiKeyStore
from lms.auth.schemas import ApiKeyOut
from lms.observability import observed

app = build_resolver()


@app.delete(
    "/v1/api-keys/<id>",
    operation_id="revokeApiKey",
    summary="Revoke an API key",
    tags=["API keys"],
    responses=openapi_responses(ApiKeyOut),
)
def revoke_api_key(id: Annotated[str, Path(pattern=r"^ak_[0-9a-z]{26}$")]):
    return json_response(ApiKeyOut.of(ApiKeyStore().revoke(id)))


lambda_handler = observed(app.resolve)
