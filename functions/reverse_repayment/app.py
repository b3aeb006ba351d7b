"""POST /v1/loans/{id}/repayments/{txnId}/reverse: the payment stays, marked reversed; the loan is
recomputed as if it never happened, later payments replayed and re-posted (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.payments import ReverseRequest, TransactionWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/repayments/<txnId>/reverse",
    operation_id="reverseRepayment",
    summary="Reverse a repayment",
    tags=["Loans"],
    responses=openapi_responses(TransactionWithLoanOut, money=True),
)
def reverse_repayment(
    id: IdPath,
    txnId: IdPath,  # noqa: N803 - route parameter
    request: Annotated[ReverseRequest | None, Body()] = None,
):
    reason = (request.reason if request else None) or "reversed by request"
    actor = actor_of(app.current_event)
    return answer_once(
        app,
        "reverse_repayment",
        lambda answering: LoanPayments().reverse(id, txnId, reason, actor, answering),
        lambda loan, txn: json_response(TransactionWithLoanOut.of(loan, txn)),
    )


lambda_handler = observed(app.resolve)
