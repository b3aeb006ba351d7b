"""GET /v1/loans/{id}/statement?from=&to=: the borrower's statement for a period: opening and closing
balance, every transaction in it with its split, charges, and the schedule with what was paid."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.api.types import IsoDate
from lms.loans.schemas.statement import StatementOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/statement",
    operation_id="getLoanStatement",
    summary="Get a loan's statement for a period",
    tags=["Loans"],
    responses=openapi_responses(StatementOut),
)
def get_loan_statement(
    id: IdPath,
    period_from: Annotated[
        IsoDate | None, Query(alias="from", description="First day (yyyy-MM-dd); the disbursement by default")
    ] = None,
    period_to: Annotated[
        IsoDate | None, Query(alias="to", description="Last day (yyyy-MM-dd); today by default")
    ] = None,
):
    """Balances at the end of the day before `from` and at the end of `to`, as the history is known
    now; the closing balance of a statement to today is the loan's outstanding."""
    return json_response(StatementOut.of(LoanQueries().statement(id, period_from, period_to)))


lambda_handler = observed(app.resolve)
