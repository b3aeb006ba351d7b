"""GET /v1/loans/{id}/schedule: installments with what is due, paid and outstanding (expected before disbursement)."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.domain.operations.balances import schedule_lines
from lms.loans.schemas.schedule import ScheduleOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/schedule",
    operation_id="getLoanSchedule",
    summary="Get a loan's repayment schedule",
    tags=["Loans"],
    responses=openapi_responses(ScheduleOut),
)
def get_loan_schedule(id: IdPath):
    loan = LoanQueries().get(id)
    return json_response(ScheduleOut.of(loan.currency, bool(loan.schedule), schedule_lines(loan)))


lambda_handler = observed(app.resolve)
