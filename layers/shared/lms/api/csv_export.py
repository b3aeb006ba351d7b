"""CSV answers (RFC 4180): a report or list asked for with `Accept: text/csv` answers the same
figures, a header row then one row per line, CRLF line ends, fields quoted where they need it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response

CSV_TYPE = "text/csv"


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value or "")
    return ""


def wants_csv(headers: Mapping[str, Any] | None) -> bool:
    """Whether the Accept header asks for CSV (with a quality above 0) over JSON."""
    best: dict[str, float] = {}
    for part in _header(headers, "accept").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        best[media.lower()] = max(best.get(media.lower(), 0.0), quality)
    return best.get(CSV_TYPE, 0.0) > 0 and best[CSV_TYPE] >= best.get("application/json", 0.0)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def csv_response(rows: Iterable[Iterable[Any]], filename: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status_code=200,
        content_type=f"{CSV_TYPE}; charset=utf-8; header=present",
        body=csv_text(rows),
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )
