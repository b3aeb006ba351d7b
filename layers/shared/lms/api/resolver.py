"""The one resolver factory every API function uses: validation on, errors mapped to one envelope."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from lms import jsonutil
from lms.api import request_body
from lms.api.responses import error_body, error_response
from lms.api.validation import field_errors
from lms.errors import InvalidArgument, LmsError
from lms.observability import logger


class JsonApiResolver(APIGatewayRestResolver):
    """Every body this API accepts is JSON, whatever Content-Type the client sent (curl -d sends a
    form type by default); a body that is not JSON, or not within lms.limits, gets a 400 that says
    so before any route code runs, and so does a body sent to a route that takes none."""

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        limited, rate_headers = _rate_limit_of(event)
        if limited:
            logger.info("request refused: rate limit", extra={"headers": rate_headers})
            return _with_headers(_RATE_LIMITED, rate_headers)
        takes_body = self._takes_body(event)
        if takes_body is not None:
            try:
                event = request_body.checked_event(event, takes_body)
            except InvalidArgument as refused:
                logger.info("request refused", extra={"details": [d.__dict__ for d in refused.details]})
                return _with_headers(_refusal(refused), rate_headers)
        if event.get("body"):
            for field in ("headers", "multiValueHeaders"):
                headers = {k: v for k, v in (event.get(field) or {}).items() if k.lower() != "content-type"}
                headers["Content-Type"] = ["application/json"] if field == "multiValueHeaders" else "application/json"
                event = {**event, field: headers}
        return _with_headers(super().resolve(event, context), rate_headers)

    def _takes_body(self, event: dict[str, Any]) -> bool | None:
        """Whether the route the event is for declares a body; None for no route (the 404 answers)."""
        method = str(event.get("httpMethod") or "").upper()
        path = self._remove_prefix(str(event.get("path") or ""))
        for route in self._static_routes + self._dynamic_routes:
            if route.method == method and route.rule.match(path):
                return bool(route.dependant.body_params)
        return None


def _refusal(error: InvalidArgument) -> dict[str, Any]:
    return {
        "statusCode": error.status,
        "body": jsonutil.dumps(error_body(error.code, error.message, error.details, error.reason)),
        "isBase64Encoded": False,
        "multiValueHeaders": {"Content-Type": ["application/json"]},
    }


_RATE_LIMITED = {
    "statusCode": 429,
    "body": jsonutil.dumps(
        {
            "code": "resource_exhausted",
            "message": "Rate limit exceeded for this API key; retry after the number of seconds in Retry-After",
            "reason": "RATE_LIMITED",
            "details": [],
        }
    ),
    "isBase64Encoded": False,
    "multiValueHeaders": {"Content-Type": ["application/json"]},
}


def _rate_limit_of(event: dict[str, Any]) -> tuple[bool, dict[str, str]]:
    """The authorizer's verdict on the key's rate limits and the headers to answer with."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    raw = authorizer.get("rateLimitHeaders")
    headers = jsonutil.loads(raw) if isinstance(raw, str) and raw else {}
    return str(authorizer.get("rateLimited", "false")).lower() == "true", headers


def _with_headers(result: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    if not headers:
        return result
    multi = {**(result.get("multiValueHeaders") or {}), **{name: [value] for name, value in headers.items()}}
    return {**result, "multiValueHeaders": multi}


def build_resolver() -> APIGatewayRestResolver:
    app = JsonApiResolver(
        enable_validation=True,
        serializer=jsonutil.dumps,
        json_body_deserializer=request_body.parse,
    )

    @app.exception_handler([RequestValidationError, RequestUnsupportedContentType])
    def _invalid_request(error: RequestValidationError) -> Response:
        invalid = InvalidArgument.fields(field_errors(list(error.errors())))
        logger.info("request refused", extra={"details": [d.__dict__ for d in invalid.details]})
        return _from_lms_error(invalid)

    @app.exception_handler(LmsError)
    def _domain_error(error: LmsError) -> Response:
        if error.status >= 500:
            logger.exception("internal error")
        else:
            logger.info("request refused", extra={"code": error.code, "reason": error.reason})
        return _from_lms_error(error)

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(404, "not_found", "No such resource")

    @app.exception_handler(Exception)
    def _unexpected(_: Exception) -> Response:
        # A bug, not bad input: log everything, tell the caller nothing internal.
        logger.exception("unhandled error")
        return error_response(500, "internal", "Internal error; the operation was not completed")

    return app


def _from_lms_error(error: LmsError) -> Response:
    return error_response(error.status, error.code, error.message, error.details, error.reason)
