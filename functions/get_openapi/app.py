"""GET /v1/openapi.json: the OpenAPI 3 document of every route (public)."""

from aws_lambda_powertools.event_handler import Response, content_types

from lms.api.openapi_document import openapi_json
from lms.api.resolver import build_resolver
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/openapi.json",
    operation_id="getOpenapi",
    summary="Get this OpenAPI document",
    tags=["Docs"],
)
def get_openapi():
    return Response(200, content_types.APPLICATION_JSON, openapi_json(), headers={"Cache-Control": "max-age=300"})


lambda_handler = observed(app.resolve)
