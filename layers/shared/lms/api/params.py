"""Query parameters shared by list endpoints, with the seed's bounds and messages."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AfterValidator

MAX_ROWS = 99
DEFAULT_ROWS = 20


def _page(value: int) -> int:
    if value < 1:
        raise ValueError("page value too small, must be larger than 0")
    return value


def _rows(value: int) -> int:
    if value < 1:
        raise ValueError("rows value too small, must be larger than 0")
    if value > MAX_ROWS:
        raise ValueError("rows value too large, must be less than 100")
    return value


PageParam = Annotated[int, AfterValidator(_page), Query(description="Page number, from 1")]
RowsParam = Annotated[int, AfterValidator(_rows), Query(description="Rows per page, 1 to 99")]


# The one type of every numeric id in a route (loans, customers, products, offices, transactions,
# charges): 1 or more, documented as such in the OpenAPI document.
IdPath = Annotated[int, Path(description="Numeric id, 1 or more", ge=1)]


PageTokenParam = Annotated[
    str | None,
    Query(
        alias="pageToken",
        max_length=2048,
        description="Page by token instead of by number: empty for the first page, then the nextPageToken "
        "of the page before (a page's cost does not grow with the list; no total)",
    ),
]


def paging(page: int, page_token: str | None):
    """Which page a list route was asked for: by token when `pageToken` is given, else by number."""
    from lms.storage.pagination import Cursor

    return Cursor(page_token.strip()) if page_token is not None else page
