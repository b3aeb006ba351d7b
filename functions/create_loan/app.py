"""POST /v1/loans: submit a loan application (status Submitted)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.loan import CreateLoanRequest, LoanOut, render_loan
from lms.loans.service.applications import LoanApplications
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans",
    operation_id="createLoan",
    summary="Submit a loan application",
    tags=["Loans"],
    responses=openapi_responses(LoanOut, 201, "Loan submitted"),
)
def create_loan(request: Annotated[CreateLoanRequest, Body()]):
    actor = actor_of(app.current_event)
    loan = LoanApplications().submit(request.to_application(), actor)
    return json_response(render_loan(loan), status=201)


lambda_handler = observed(app.resolve)
