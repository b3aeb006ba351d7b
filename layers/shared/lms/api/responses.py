"""Response builders: every body is serialized here so Decimals stay exact JSON numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, ConfigDict, Field

from lms import jsonutil
from lms.errors import FieldError
from lms.storage.pagination import Page

T = TypeVar("T")

# Set on every answer of a money route (lms.api.idempotency); the OpenAPI document's generator reads
# it to declare the Idempotency-Key those routes require.
REPLAYED_HEADER = "Idempotent-Replayed"


def _plain(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(by_alias=True, mode="python")
    if isinstance(body, list):
        return [_plain(item) for item in body]
    return body


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=jsonutil.dumps(_plain(body)),
        headers=dict(headers or {}),
    )


def page_response(page: Page[T], render: Callable[[T], Any] | None = None) -> Response:
    items = [render(item) for item in page.items] if render else page.items
    if page.by_token:
        body: dict[str, Any] = {"items": _plain(items), "rowsPerPage": page.rows}
        if page.next_token is not None:
            body["nextPageToken"] = page.next_token
        return json_response(body)
    return json_response({"items": _plain(items), "total": page.total, "page": page.page, "rowsPerPage": page.rows})


def error_body(
    code: str, message: str, details: Iterable[FieldError] = (), reason: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if reason:
        body["reason"] = reason
    body["details"] = [{"field": d.field, "message": d.message} for d in details]
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    details: Iterable[FieldError] = (),
    reason: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return json_response(error_body(code, message, details, reason), status=status, headers=headers)


def openapi_responses(model: type[BaseModel], status: int = 200, description: str = "OK", money: bool = False) -> dict:
    """The `responses=` argument of a route: documents the model the handler serializes itself
    (`money`: a route that takes an Idempotency-Key and may find funds short)."""
    responses = {
        status: {"description": description, "content": {"application/json": {"model": model}}},
        400: {"description": "Invalid argument or failed precondition (error envelope)"},
        401: {"description": "Missing or unknown API key"},
        403: {"description": "Role too low, or a date rule refused"},
        404: {"description": "Not found"},
    }
    if money:
        responses[status]["headers"] = {
            REPLAYED_HEADER: {
                "description": "`true` when this is the stored answer to an earlier request with the same "
                "Idempotency-Key (nothing was done again), `false` when the request was performed now",
                "schema": {"type": "string", "enum": ["true", "false"]},
            }
        }
        responses[402] = {"description": "Insufficient funds in the account paid from"}
        responses[422] = {"description": "The Idempotency-Key was already used with a different request"}
    return responses


# These models only describe responses in the OpenAPI document (handlers serialize bodies
# themselves), so their validators are built when `make openapi` asks, not at every cold start.
class PageOut(BaseModel, Generic[T]):
    """One page of a list (offset pagination)."""

    model_config = ConfigDict(defer_build=True)

    items: list[T]
    total: int | None = None  # absent when paged by pageToken
    page: int | None = None
    rows_per_page: int = Field(alias="rowsPerPage")
    next_page_token: str | None = Field(default=None, alias="nextPageToken")  # paged by token, while more follow


def openapi_page(model: type[BaseModel]) -> dict:
    """The `responses=` argument of a list route: one page of `model`."""
    return openapi_responses(PageOut[model])


class FieldErrorOut(BaseModel):
    model_config = ConfigDict(defer_build=True)

    field: str
    message: str


class ErrorOut(BaseModel):
    """The one error envelope of every non-2xx response."""

    model_config = ConfigDict(defer_build=True)

    code: str
    message: str
    reason: str | None = None
    details: list[FieldErrorOut]
