"""POST /v1/loans/{id}/approve: Submitted -> Approved, optionally at a smaller principal."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.loan import ApproveLoanRequest, LoanOut, render_loan
from lms.loans.service.applications import LoanApplications
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/approve",
    operation_id="approveLoan",
    summary="Approve a loan application",
    tags=["Loans"],
    responses=openapi_responses(LoanOut),
)
def approve_loan(id: IdPath, request: Annotated[ApproveLoanRequest, Body()]):
    actor = actor_of(app.current_event)
    loan = LoanApplications().approve(id, request.approved_on_date, request.approved_loan_amount, request.note, actor)
    return json_response(render_loan(loan))


lambda_handler = observed(app.resolve)
