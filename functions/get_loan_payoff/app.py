"""GET /v1/loans/{id}/payoff?date=: what settles the loan on a date (today by default)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms import clock
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.api.types import IsoDate
from lms.loans.schemas.payments import PayoffOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/payoff",
    operation_id="getLoanPayoff",
    summary="Quote what settles a loan on a date",
    tags=["Loans"],
    responses=openapi_responses(PayoffOut),
)
def get_loan_payoff(id: IdPath, date: Annotated[IsoDate | None, Query()] = None):
    service = LoanQueries()
    on = date or clock.today()
    return json_response(PayoffOut.of(service.get(id), service.payoff(id, on)))


lambda_handler = observed(app.resolve)
