"""Pagination over DynamoDB Queries: by offset (the seed's `page` and `rows`) or by token.

- **Offset.** `total` needs every matching key, so a page costs reading the keys of the whole list
  (keys only, from a KEYS_ONLY or INCLUDE index), then one BatchGetItem for the rows of the page.
- **Token** (`pageToken` in, `nextPageToken` out; an empty token asks for the first page). A page
  reads only its own keys, from where the last one stopped (the Query's LastEvaluatedKey, carried
  in the token), then one BatchGetItem: its cost does not grow with the list, so exporting 100,000
  loans 99 at a time reads 100,000 keys, not 10^8. There is no `total`. The token is opaque to the
  caller: URL-safe base64 of the list's fingerprint (its key condition, filter and index) and the
  key to start after; a token of another list, or one that does not decode, is refused by name.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from botocore.exceptions import ClientError

from lms.errors import InvalidArgument
from lms.storage.cursor import decode_cursor, encode_cursor
from lms.storage.dynamo import Key, Table

T = TypeVar("T")


TOKEN_FIELD = "pageToken"


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int | None  # None: a page asked for by token
    page: int | None
    rows: int
    next_token: str | None = None
    by_token: bool = False


@dataclass(frozen=True)
class Cursor:
    """A page asked for by token: `token` as the list returned it, or empty for the first page."""

    token: str


PageAt = int | Cursor  # which page: its number (offset), or a token


@dataclass(frozen=True)
class KeyQuery:
    """The keys of a list, as one Query (of the table or an index), readable by offset or by token."""

    key_condition: str
    values: Mapping[str, Any]
    index: str | None = None
    filter_: str | None = None
    names: Mapping[str, str] | None = field(default=None)
    forward: bool = True
    projection: str = "PK, SK"

    def keys(self, table: Table) -> Iterator[dict]:
        return table.query(
            self.key_condition,
            self.values,
            index=self.index,
            projection=self.projection,
            filter_=self.filter_,
            names=self.names,
            forward=self.forward,
        )

    def fingerprint(self) -> str:
        text = json.dumps(
            [self.key_condition, sorted((k, str(v)) for k, v in self.values.items()), self.index, self.filter_],
            separators=(",", ":"),
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _bad_token(message: str = "is not a token this list returned (use nextPageToken as given)") -> InvalidArgument:
    return InvalidArgument.field(TOKEN_FIELD, message)


def _start_key(query: KeyQuery, token: str) -> dict[str, str] | None:
    if not token:
        return None
    state = decode_cursor(token, TOKEN_FIELD)
    if state.get("q") != query.fingerprint():
        raise _bad_token("belongs to another list (keep the list's filters as they were)")
    start = state.get("k")
    if not isinstance(start, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in start.items()):
        raise _bad_token()
    # The start key must be a key of this list: the table's keys, in the Query's partition.
    partition = re.match(r"\s*(#?\w+)\s*=\s*(:\w+)", query.key_condition)
    if partition is None:
        raise _bad_token("this list pages by page and rows only")
    attribute = (query.names or {}).get(partition.group(1), partition.group(1))
    if not {"PK", "SK", attribute} <= set(start) or start[attribute] != query.values.get(partition.group(2)):
        raise _bad_token()
    return start


def token_keys(table: Table, query: KeyQuery, token: str, rows: int) -> tuple[list[dict], str | None]:
    """Up to `rows` keys after the token's position, and the token of the next page (None at the
    end). Each Query reads at most the keys still missing, so a page reads about `rows` keys (more
    only where a filter drops some)."""
    start = _start_key(query, token)
    found: list[dict] = []
    try:
        while len(found) < rows:
            items, last = table.query_page(
                query.key_condition,
                query.values,
                index=query.index,
                limit=rows - len(found),
                start=start,
                projection=query.projection,
                forward=query.forward,
                filter_=query.filter_,
                names=query.names,
            )
            found.extend(items)
            if last is None:
                return found, None
            start = last
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ValidationException":
            raise _bad_token() from None  # a token edited by hand: its start key is not this list's
        raise
    return found, encode_cursor({"q": query.fingerprint(), "k": start})


def paginate_keys(candidates: Iterable[dict], page: int, rows: int) -> tuple[int, list[Key]]:
    start = (page - 1) * rows
    total = 0
    chosen: list[Key] = []
    for item in candidates:
        if start <= total < start + rows:
            chosen.append(Key(item["PK"], item["SK"]))
        total += 1
    return total, chosen


def load_page(
    table: Table,
    candidates: Iterable[dict] | KeyQuery,
    page: PageAt,
    rows: int,
    build: Callable[[dict], T] | None = None,
    *,
    build_all: Callable[[list[dict]], list[T]] | None = None,
) -> Page[T]:
    """The page's rows from one BatchGetItem, each made by `build`, or all by `build_all` (which
    may read more for them, at once). By token, `candidates` must be a KeyQuery."""
    if isinstance(page, Cursor):
        if not isinstance(candidates, KeyQuery):
            raise _bad_token("this list pages by page and rows only")
        found_keys, next_token = token_keys(table, candidates, page.token, rows)
        keys = [Key(k["PK"], k["SK"]) for k in found_keys]
        found = table.batch_get(keys) if keys else []
        items = build_all(found) if build_all else [build(item) for item in found]
        return Page(items=items, total=None, page=None, rows=rows, next_token=next_token, by_token=True)
    keyed = candidates.keys(table) if isinstance(candidates, KeyQuery) else candidates
    total, keys = paginate_keys(keyed, page, rows)
    found = table.batch_get(keys) if keys else []
    items = build_all(found) if build_all else [build(item) for item in found]
    return Page(items=items, total=total, page=page, rows=rows)


def page_of(items: list[T], page: PageAt, rows: int) -> Page[T]:
    """Paginate a list already in memory (one item's embedded records, such as a loan's
    transactions); by token, the token carries the offset."""
    if isinstance(page, Cursor):
        start = 0
        if page.token:
            offset = decode_cursor(page.token, TOKEN_FIELD).get("o")
            if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= len(items):
                raise _bad_token()
            start = offset
        end = start + rows
        next_token = encode_cursor({"o": end}) if end < len(items) else None
        return Page(items=items[start:end], total=None, page=None, rows=rows, next_token=next_token, by_token=True)
    start = (page - 1) * rows
    return Page(items=items[start : start + rows], total=len(items), page=page, rows=rows)
