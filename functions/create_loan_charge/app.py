"""POST /v1/loans/{id}/charges: assess a fee or a penalty on an active loan (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.schemas.charges import ChargeRequest, ChargeWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/charges",
    operation_id="createLoanCharge",
    summary="Assess a fee or penalty on a loan",
    tags=["Loans"],
    responses=openapi_responses(ChargeWithLoanOut, 201, "Assessed", money=True),
)
def create_loan_charge(id: IdPath, request: Annotated[ChargeRequest, Body()]):
    actor = actor_of(app.current_event)

    def perform(answering):
        return LoanPayments().assess_charge(
            id,
            request.name,
            ChargeKind(request.charge_type),
            request.amount,
            request.due_date,
            request.note,
            actor,
            answering,
        )

    return answer_once(
        app,
        "create_loan_charge",
        perform,
        lambda loan, charge: json_response(ChargeWithLoanOut.of(loan, charge), status=201),
    )


lambda_handler = observed(app.resolve)
