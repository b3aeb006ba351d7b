"""GET /v1/docs: Swagger UI over the OpenAPI document (public)."""

from aws_lambda_powertools.event_handler import Response

from lms.api.openapi_document import swagger_page
from lms.api.resolver import build_resolver
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/docs",
    operation_id="getDocs",
    summary="Browse this API in Swagger UI",
    tags=["Docs"],
    responses={200: {"description": "Swagger UI", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def get_docs():
    return Response(200, "text/html; charset=utf-8", swagger_page())


lambda_handler = observed(app.resolve)
