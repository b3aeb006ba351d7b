"""GET /v1/ledger/loans/{loanId}/sub-ledger: every journal entry of one loan, in order."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import AfterValidator

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.reports import LedgerReports
from lms.ledger.schemas import SubLedgerOut
from lms.loans.store import LoanStore
from lms.observability import observed

app = build_resolver()


def _positive(value: int) -> int:
    if value < 1:
        raise ValueError("must be a positive integer id")
    return value


@app.get("/v1/ledger/loans/<loanId>/sub-ledger", tags=["Ledger"], responses=openapi_responses(SubLedgerOut))
def get_loan_sub_ledger(loanId: Annotated[int, AfterValidator(_positive), Path()]):  # noqa: N803 - route name
    LoanStore().get(loanId)  # 404 for an unknown loan rather than an empty ledger
    return json_response(SubLedgerOut.of(loanId, LedgerReports().sub_ledger(loanId)))


lambda_handler = observed(app.resolve)
