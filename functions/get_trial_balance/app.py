"""GET /v1/ledger/trial-balance?asOfDate=: every account's debit or credit balance, per currency."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.api.types import IsoDate
from lms.ledger.reports import LedgerReports
from lms.ledger.schemas import TrialBalanceOut
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/trial-balance",
    operation_id="getTrialBalance",
    summary="Get the trial balance on a date",
    tags=["Ledger"],
    responses=openapi_responses(TrialBalanceOut),
)
def get_trial_balance(as_of_date: Annotated[IsoDate | None, Query(alias="asOfDate")] = None):
    return json_response(TrialBalanceOut.of(as_of_date, LedgerReports().trial_balance(as_of_date)))


lambda_handler = observed(app.resolve)
