"""Delinquent loans, oldest arrears first, over the sparse ArrearsIndex (docs/data-model.md).

The index holds a loan while it is in arrears: `arrearsKey` = `ARREARS#<bucket>`, `overdueSince`
(the due date of its oldest overdue installment, as of its last commit), projecting `officeId` and
`productId`. One bucket is one Query in `overdueSince` order. Several buckets are merged: each
page reads up to a page of each bucket from where the cursor left it, merges them by
`overdueSince` (ties: in the order of the buckets given) and keeps the first `rows`; the cursor then
holds each bucket's last loan taken (or that the bucket is done), so no loan is skipped or listed
twice and no request reads past a page per bucket (plus what an office or product filter drops).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from lms.errors import InvalidArgument
from lms.loans.storage.item_format import loan_id_of_partition, loan_partition
from lms.storage.cursor import decode_cursor, encode_cursor
from lms.storage.dynamo import Table
from lms.storage.tables import ARREARS_INDEX

DONE = "done"


@dataclass(frozen=True)
class ArrearsFilter:
    buckets: tuple[str, ...]
    office_id: int | None = None
    product_id: int | None = None

    def fingerprint(self) -> list:
        return [list(self.buckets), self.office_id, self.product_id]


@dataclass(frozen=True)
class ArrearsPage:
    loan_ids: list[int]
    next_cursor: str | None


@dataclass(frozen=True)
class _Entry:
    overdue_since: str
    order: int
    loan_id: int


def _positions(wanted: ArrearsFilter, cursor: str | None) -> dict[str, Any]:
    """Each bucket's position: None (from the start), {"o", "l"} (after that loan) or DONE."""
    if cursor is None:
        return dict.fromkeys(wanted.buckets)
    state = decode_cursor(cursor)
    if state.get("q") != wanted.fingerprint() or not isinstance(state.get("p"), dict):
        raise InvalidArgument.field(
            "cursor", "belongs to another list (inArrears, bucket, officeId and productId must stay the same)"
        )
    positions = state["p"]
    if set(positions) != set(wanted.buckets):
        raise InvalidArgument.field("cursor", "is not a cursor this list returned (use nextCursor as given)")
    return positions


def _start_key(bucket: str, position: dict) -> dict:
    return {
        "arrearsKey": f"ARREARS#{bucket}",
        "overdueSince": position["o"],
        "PK": loan_partition(int(position["l"])),
        "SK": "LOAN",
    }


class ArrearsIndexReader:
    def __init__(self, table: Table):
        self.table = table

    def _bucket(self, bucket: str, position: dict | None, rows: int, wanted: ArrearsFilter) -> tuple[list[dict], bool]:
        """Up to `rows` index entries of a bucket after `position`, and whether the bucket has no more."""
        filters, vals, names = [], {":k": f"ARREARS#{bucket}"}, {}
        if wanted.office_id is not None:
            filters.append("#office = :office")
            vals[":office"] = wanted.office_id
            names["#office"] = "officeId"
        if wanted.product_id is not None:
            filters.append("#product = :product")
            vals[":product"] = wanted.product_id
            names["#product"] = "productId"
        start = _start_key(bucket, position) if position is not None else None
        found: list[dict] = []
        while True:
            items, last = self.table.query_page(
                "arrearsKey = :k",
                vals,
                index=ARREARS_INDEX,
                limit=rows,
                start=start,
                filter_=" AND ".join(filters) or None,
                names=names or None,
            )
            found.extend(items)
            if last is None:
                return found[:rows], len(found) <= rows
            if len(found) >= rows:
                return found[:rows], False
            start = last

    def page(self, wanted: ArrearsFilter, rows: int, cursor: str | None) -> ArrearsPage:
        positions = _positions(wanted, cursor)
        streams: list[list[_Entry]] = []
        ended: dict[str, bool] = {}
        for order, bucket in enumerate(wanted.buckets):
            position = positions[bucket]
            if position == DONE:
                streams.append([])
                ended[bucket] = True
                continue
            items, at_end = self._bucket(bucket, position, rows, wanted)
            ended[bucket] = at_end
            streams.append([_Entry(i["overdueSince"], order, loan_id_of_partition(i["PK"])) for i in items])
        taken = list(heapq.merge(*streams, key=lambda e: (e.overdue_since, e.order)))[:rows]
        new_positions = dict(positions)
        for order, bucket in enumerate(wanted.buckets):
            mine = [e for e in taken if e.order == order]
            if mine:
                new_positions[bucket] = {"o": mine[-1].overdue_since, "l": mine[-1].loan_id}
            if ended[bucket] and len(mine) == len(streams[order]):
                new_positions[bucket] = DONE
        more = any(p != DONE for p in new_positions.values())
        next_cursor = encode_cursor({"q": wanted.fingerprint(), "p": new_positions}) if more else None
        return ArrearsPage(loan_ids=[e.loan_id for e in taken], next_cursor=next_cursor)
