"""POST /v1/loans/{id}/charge-off: write off the outstanding principal; the loan stays Active with
`chargedOff: true`, and principal repaid later is a recovery (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.charges import ChargeOffRequest
from lms.loans.schemas.loan import LoanOut, render_loan
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/charge-off",
    operation_id="chargeOffLoan",
    summary="Charge off a loan's outstanding principal",
    tags=["Loans"],
    responses=openapi_responses(LoanOut, money=True),
)
def charge_off_loan(id: IdPath, request: Annotated[ChargeOffRequest, Body()]):
    actor = actor_of(app.current_event)
    return answer_once(
        app,
        "charge_off_loan",
        lambda answering: (
            LoanPayments().charge_off(id, request.transaction_date, request.note, actor, answering),
            None,
        ),
        lambda loan, _: json_response(render_loan(loan)),
    )


lambda_handler = observed(app.resolve)
