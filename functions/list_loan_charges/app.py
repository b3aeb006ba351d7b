"""GET /v1/loans/{id}/charges: the fees and penalties assessed on a loan."""

from lms.api.params import DEFAULT_ROWS, IdPath, PageParam, RowsParam
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_responses, page_response
from lms.loans.payment_schemas import ChargeOut
from lms.loans.service import LoanService
from lms.observability import observed
from lms.storage.pagination import page_of

app = build_resolver()


@app.get("/v1/loans/<id>/charges", tags=["Loans"], responses=openapi_responses(ChargeOut))
def list_loan_charges(id: IdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS):
    loan = LoanService().get(id)
    live = [c for c in loan.charges if (t := loan.transaction(c.transaction_id)) and t.active]
    return page_response(page_of(live, page, rows), lambda charge: ChargeOut.of(loan, charge))


lambda_handler = observed(app.resolve)
