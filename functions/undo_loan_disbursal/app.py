"""POST /v1/loans/{id}/undo-disbursal: back to Approved, every entry the loan posted reversed (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.disbursement import UndoDisbursalRequest
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.loans.service.disbursements import LoanDisbursements
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/undo-disbursal",
    operation_id="undoLoanDisbursal",
    summary="Undo a loan's disbursal",
    tags=["Loans"],
    responses=openapi_responses(LoanOut, money=True),
)
def undo_loan_disbursal(id: IdPath, request: Annotated[UndoDisbursalRequest | None, Body()] = None):
    actor = actor_of(app.current_event)
    note = request.note if request else None
    return answer_once(
        app,
        "undo_loan_disbursal",
        lambda answering: (LoanDisbursements().undo_disbursal(id, note, actor, answering), None),
        lambda loan, _: json_response(render_loan(loan)),
    )


lambda_handler = observed(app.resolve)
