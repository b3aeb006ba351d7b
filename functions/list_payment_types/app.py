"""GET /v1/payment-types: how repayments arrive, the cash account each one credits and the reference it needs."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.loans.schemas.payments import PaymentTypeOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/payment-types",
    operation_id="listPaymentTypes",
    summary="List the ways a repayment can arrive",
    tags=["Loans"],
    responses=openapi_page(PaymentTypeOut),
)
def list_payment_types(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(LoanQueries().payment_types(paging(page, page_token), rows), PaymentTypeOut.of)


lambda_handler = observed(app.resolve)
