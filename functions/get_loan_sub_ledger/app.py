"""GET /v1/ledger/loans/{loanId}/sub-ledger: every journal entry of one loan, in order."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.reports import LedgerReports
from lms.ledger.schemas import SubLedgerOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/loans/<loanId>/sub-ledger",
    operation_id="getLoanSubLedger",
    summary="List a loan's journal entries",
    tags=["Ledger"],
    responses=openapi_responses(SubLedgerOut),
)
def get_loan_sub_ledger(loanId: IdPath):  # noqa: N803 - route name
    LoanQueries().get(loanId)  # 404 for an unknown loan rather than an empty ledger
    return json_response(SubLedgerOut.of(loanId, LedgerReports().sub_ledger(loanId)))


lambda_handler = observed(app.resolve)
