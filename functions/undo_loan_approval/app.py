"""POST /v1/loans/{id}/undo-approval: Approved -> Submitted, principal back to the amount applied for."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.loan import LoanOut, NoteRequest, render_loan
from lms.loans.service.applications import LoanApplications
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/undo-approval",
    operation_id="undoLoanApproval",
    summary="Undo a loan's approval",
    tags=["Loans"],
    responses=openapi_responses(LoanOut),
)
def undo_loan_approval(id: IdPath, request: Annotated[NoteRequest | None, Body()] = None):
    actor = actor_of(app.current_event)
    return json_response(render_loan(LoanApplications().undo_approval(id, request.note if request else None, actor)))


lambda_handler = observed(app.resolve)
