"""GET /v1/loans/{id}: the loan with its terms, dates, timeline and balance summary."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>",
    operation_id="getLoan",
    summary="Get a loan with its balances",
    tags=["Loans"],
    responses=openapi_responses(LoanOut),
)
def get_loan(id: IdPath):
    return json_response(render_loan(LoanQueries().get(id)))


lambda_handler = observed(app.resolve)
