"""GET /v1/loans/{id}/charges: the fees and penalties assessed on a loan."""

from lms.api.params import DEFAULT_ROWS, IdPath, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.loans.schemas.charges import ChargeOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/charges",
    operation_id="listLoanCharges",
    summary="List a loan's charges",
    tags=["Loans"],
    responses=openapi_page(ChargeOut),
)
def list_loan_charges(
    id: IdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None
):
    loan, charges = LoanQueries().charges(id, paging(page, page_token), rows)
    return page_response(charges, lambda charge: ChargeOut.of(loan, charge))


lambda_handler = observed(app.resolve)
