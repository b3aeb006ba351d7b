"""POST /v1/loans/{id}/charges/{chargeId}/waive: forgive what is unpaid of a charge (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.charges import ChargeWithLoanOut, NoteOnlyRequest
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/charges/<chargeId>/waive",
    operation_id="waiveLoanCharge",
    summary="Waive what is unpaid of a charge",
    tags=["Loans"],
    responses=openapi_responses(ChargeWithLoanOut, money=True),
)
def waive_loan_charge(
    id: IdPath,
    chargeId: IdPath,  # noqa: N803 - route parameter
    request: Annotated[NoteOnlyRequest | None, Body()] = None,
):
    note = request.note if request else None
    actor = actor_of(app.current_event)
    return answer_once(
        app,
        "waive_loan_charge",
        lambda answering: LoanPayments().waive_charge(id, chargeId, note, actor, answering),
        lambda loan, charge: json_response(ChargeWithLoanOut.of(loan, charge)),
    )


lambda_handler = observed(app.resolve)
