"""GET /v1/ledger/accounts/{id}/balance?asOf=: the balance derived from journal lines (via day totals)."""

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.api.types import IsoDate
from lms.errors import InvalidArgument
from lms.ledger.reports import LedgerReports
from lms.ledger.schemas import BalanceOut
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/accounts/<id>/balance",
    operation_id="getAccountBalance",
    summary="Get an account's balance on a date",
    tags=["Ledger"],
    responses=openapi_responses(BalanceOut),
)
def get_account_balance(
    id: Annotated[str, Path(max_length=40)],
    as_of: Annotated[IsoDate | None, Query(alias="asOf", description="Balance at the end of this day")] = None,
    as_of_snake: Annotated[IsoDate | None, Query(alias="as_of", description="Same as asOf (seed spelling)")] = None,
):
    if as_of and as_of_snake and as_of != as_of_snake:
        raise InvalidArgument.field("asOf", "asOf and as_of disagree; give one")
    day: date | None = as_of or as_of_snake
    reports = LedgerReports()
    if day is not None:
        return json_response(BalanceOut.of(reports.balance(id, day), day))
    balance, available = reports.balance_and_available(id)
    return json_response(BalanceOut.of(balance, None, available))


lambda_handler = observed(app.resolve)
