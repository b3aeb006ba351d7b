"""POST /v1/loans/{id}/withdraw: Submitted -> Withdrawn (terminal), the applicant's choice."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.loan import LoanOut, WithdrawLoanRequest, render_loan
from lms.loans.service.applications import LoanApplications
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/withdraw",
    operation_id="withdrawLoan",
    summary="Withdraw a loan application",
    tags=["Loans"],
    responses=openapi_responses(LoanOut),
)
def withdraw_loan(id: IdPath, request: Annotated[WithdrawLoanRequest, Body()]):
    actor = actor_of(app.current_event)
    return json_response(render_loan(LoanApplications().withdraw(id, request.withdrawn_on_date, request.note, actor)))


lambda_handler = observed(app.resolve)
