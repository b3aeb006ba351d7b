"""Offset pagination (the seed's `page` and `rows`) over DynamoDB Queries.

`total` needs every matching key, so a page costs reading the keys of the whole list (keys only,
from a KEYS_ONLY or INCLUDE index), then one BatchGetItem for the rows of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from lms.storage.dynamo import Key, Table

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    rows: int


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
    candidates: Iterable[dict],
    page: int,
    rows: int,
    build: Callable[[dict], T] | None = None,
    *,
    build_all: Callable[[list[dict]], list[T]] | None = None,
) -> Page[T]:
    """The page's rows from one BatchGetItem, each made by `build`, or all by `build_all` (which
    may read more for them, at once)."""
    total, keys = paginate_keys(candidates, page, rows)
    found = table.batch_get(keys) if keys else []
    items = build_all(found) if build_all else [build(item) for item in found]
    return Page(items=items, total=total, page=page, rows=rows)


def page_of(items: list[T], page: int, rows: int) -> Page[T]:
    """Paginate a list already in memory (one item's embedded records, such as a loan's transactions)."""
    start = (page - 1) * rows
    return Page(items=items[start : start + rows], total=len(items), page=page, rows=rows)
